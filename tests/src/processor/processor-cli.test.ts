import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  testDatabase,
  type TestDatabase,
  randomTopic,
  startTestBroker,
  type TestBroker,
  finished,
  REPO_ROOT,
  YSH_BIN,
} from '@ysh/test-helpers';

describe('ysh processor as a process', () => {
  let broker: TestBroker;
  let db: TestDatabase;
  beforeAll(async () => {
    [broker, db] = await Promise.all([startTestBroker(), testDatabase()]);
  });
  afterAll(async () => {
    await db?.close();
    await broker?.stop();
  });

  it('a bad variable stops it with one line naming the variable (exit 2)', async () => {
    const child = spawn(process.execPath, [YSH_BIN, 'processor'], {
      cwd: REPO_ROOT,
      env: { ...process.env, YSH_PROCESSOR_WINDOW: 'five minutes' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const f = await finished(child);
    expect(f.code).toBe(2);
    expect(f.stderr.trim()).toBe(
      'ysh processor: configuration error: YSH_PROCESSOR_WINDOW: expected a duration such as 500ms, 30s, 5m, 1h or 7d, got "five minutes"',
    );
  });

  it('an unknown flag is an error naming it', async () => {
    const child = spawn(process.execPath, [YSH_BIN, 'processor', '--prot', '1'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const f = await finished(child);
    expect(f.code).not.toBe(0);
    expect(f.stderr).toContain('--prot');
  });

  it('serves /health and /metrics on --port, logs JSON, and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [YSH_BIN, 'processor', '--port', '0'], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        YSH_LOG_LEVEL: 'info',
        YSH_DATABASE_URL: db.url,
        YSH_KAFKA_BROKERS: broker.brokers,
        YSH_PROCESSOR_TOPIC: randomTopic('telemetry'),
        YSH_PROCESSOR_CONSOLE_ALERTS: 'false',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const done = finished(child);
    const ready = await new Promise<{ health: string; metrics: string }>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`not ready: ${out}`)), 30_000);
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        for (const line of out.split('\n')) {
          if (!line.includes('"processor ready"')) continue;
          clearTimeout(timer);
          resolve(JSON.parse(line) as { health: string; metrics: string });
        }
      });
    });
    const health = await fetch(ready.health);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true, checks: { processor: { ok: true } } });
    const metrics = await (await fetch(ready.metrics)).text();
    expect(metrics).toContain('ysh_processor_readings_total');
    expect(metrics).toContain('ysh_processor_corrections_total');
    child.kill('SIGTERM');
    const f = await done;
    expect(f.code).toBe(0);
    const lines = f.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { msg: string });
    expect(lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['processor started', 'processor stopped', 'stopped']),
    );
  });
});
