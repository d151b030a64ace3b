import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, finished, waitFor } from '@ysh/test-helpers';

const FIXTURE = join(REPO_ROOT, 'tests', 'src', 'fixtures', 'shutdown-steps.ts');

async function runUntilReady(env: NodeJS.ProcessEnv = {}, supervised = false) {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    // An IPC channel is what makes a process supervised (what ysh start gives its components).
    stdio: supervised ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  const done = finished(child);
  await new Promise<void>((resolve) =>
    child.stdout?.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()),
  );
  return { child, done };
}

describe('graceful shutdown (real processes)', () => {
  it('runs stop intake, flush and close in order on SIGTERM and exits 0', async () => {
    const { child, done } = await runUntilReady();
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('ready\nstop intake\nflush\nclose\n');
  });

  it('exits 1 when a step outlives the deadline', async () => {
    const { child, done } = await runUntilReady({ SHUTDOWN_HANG: '1' });
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('ready\nstop intake\nflush\n');
  });

  it('under a supervisor, leaves SIGINT to it and stops in order on its SIGTERM', async () => {
    const { child, done } = await runUntilReady({ SHUTDOWN_LOG: '1' }, true);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.kill('SIGINT');
    await waitFor('the interruption to be noted', () => stderr.includes('waiting for the supervisor'));
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('ready\nstop intake\nflush\nclose\n');
    expect(stderr).toContain('"reason":"SIGTERM"');
  });

  it('under a supervisor, stops by itself in order when the supervisor goes away', async () => {
    const { child, done } = await runUntilReady({ SHUTDOWN_LOG: '1' }, true);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.kill('SIGINT');
    await waitFor('the interruption to be noted', () => stderr.includes('waiting for the supervisor'));
    expect(child.exitCode).toBeNull();
    child.disconnect();
    const r = await done;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('ready\nstop intake\nflush\nclose\n');
    expect(stderr).toContain('"reason":"supervisor gone"');
  });
});
