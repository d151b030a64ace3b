import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PORT_SPAN } from '@ysh/cli/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Finished,
  finished,
  freePortRange,
  REPO_ROOT,
  sleep,
  tempDir,
  type TempDir,
  waitFor,
  YSH_BIN,
} from '@ysh/test-helpers';

interface LogLine {
  level: number;
  msg?: string;
  service?: string;
  source: string;
  /** The whole line, shown when the assertion fails. */
  raw: string;
}

/** JSON log lines at error level or above (pino: 50 error, 60 fatal) in a text. */
function errorLines(text: string, source: string): LogLine[] {
  const out: LogLine[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const parsed = JSON.parse(line) as { level?: unknown; msg?: string; service?: string };
      if (typeof parsed.level === 'number' && parsed.level >= 50)
        out.push({ level: parsed.level, msg: parsed.msg, service: parsed.service, source, raw: line });
    } catch {
      // a console line that happens to start with a brace
    }
  }
  return out;
}

/** The `ysh` child processes of the platform, by their arguments. */
function components(platformPid: number): Array<{ pid: number; args: string }> {
  const out = execFileSync('ps', ['--ppid', String(platformPid), '-o', 'pid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => ({ pid: Number(l.split(/\s+/, 1)[0]), args: l }));
}

describe('ysh start and Ctrl-C (SIGINT to the whole foreground process group)', () => {
  let dir: TempDir;
  let child: ChildProcess;
  let done: Promise<Finished>;
  let stdout = '';

  beforeAll(async () => {
    dir = await tempDir('ysh-ctrl-c-');
    const base = await freePortRange(PORT_SPAN);
    // Its own process group, as a terminal's foreground job is: the SIGINT below reaches every component.
    child = spawn(process.execPath, [YSH_BIN, 'start', '--port', '0', '--port-base', String(base)], {
      cwd: REPO_ROOT,
      env: { ...process.env, YSH_DATA_DIR: dir.path, YSH_LOG_LEVEL: 'info' },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    done = finished(child);
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    await Promise.race([
      waitFor('the first status line of ysh start', () => /^readings\/s /m.test(stdout), 420_000),
      done.then((f) => {
        throw new Error(`ysh start exited with ${f.code} before it was up: ${f.stdout}${f.stderr}`);
      }),
    ]);
  }, 450_000);

  afterAll(async () => {
    if (child?.exitCode === null && child.signalCode === null) {
      process.kill(-(child.pid as number), 'SIGKILL');
      await done;
    }
    await dir?.remove();
  });

  it('reports at error level a component that stops by itself while the platform runs', async () => {
    const edge = components(child.pid as number).find((c) => /\bedge\b.*site-mg-003\.yaml/.test(c.args));
    expect(edge).toBeDefined();
    // A clean exit (SIGTERM to that process alone), not a crash: still unexpected, since the platform is not stopping.
    process.kill(edge?.pid as number, 'SIGTERM');
    const report = await waitFor('the report of the stopped component', () =>
      errorLines(stdout, 'ysh start').find((l) => l.msg === 'component exited unexpectedly'),
    );
    expect(report).toMatchObject({ level: 50, service: 'edge-site-mg-003' });
  });

  it('stops within 5 s with no other error-level line, in its output or any component log', async () => {
    process.kill(-(child.pid as number), 'SIGINT');
    const result = await Promise.race([done, sleep(5000).then(() => 'still running after 5 s' as const)]);
    expect(result).not.toBe('still running after 5 s');
    const f = result as Finished;
    expect(f.code).toBe(0);
    expect(f.stdout).toContain('stopped cleanly');

    const errors = [...errorLines(f.stdout, 'ysh start stdout'), ...errorLines(f.stderr, 'ysh start stderr')];
    const logs = join(dir.path, 'logs');
    const files = await readdir(logs);
    expect(files).toEqual(expect.arrayContaining(['broker.log', 'gateway.log', 'processor.log', 'sim.log']));
    for (const file of files) errors.push(...errorLines(await readFile(join(logs, file), 'utf8'), file));
    // The one report of the previous test, nothing else.
    expect(
      errors.map(({ raw: _, ...l }) => l),
      errors.map((l) => `${l.source}: ${l.raw}`).join('\n'),
    ).toEqual([
      { level: 50, msg: 'component exited unexpectedly', service: 'edge-site-mg-003', source: 'ysh start stdout' },
    ]);
  });
});
