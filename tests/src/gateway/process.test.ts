import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batch, reading, readTopic, startBroker, TOPICS, tempDir } from './harness.ts';
import { freePort, sleep, waitFor } from '@ysh/test-helpers';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..', '..');
const YSH = join(ROOT, 'cli', 'bin', 'ysh.mjs');

/** Spawns the gateway process and resolves with its URL once it logs that it listens. */
function spawnGateway(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [YSH, 'gateway', '--port', '0'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`gateway did not start: ${out}`)), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      for (const line of out.split('\n')) {
        if (!line.includes('"gateway listening"')) continue;
        clearTimeout(timer);
        resolve({ child, url: JSON.parse(line).url as string });
        return;
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}: ${out}`)));
  });
}

const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/** fetch's "fetch failed" whose cause is a refused, reset or closed connection (not a bad answer). */
function isConnectionError(err: unknown): boolean {
  let cause: unknown = err;
  for (let depth = 0; cause instanceof Error && depth < 4; depth++) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code && CONNECTION_ERRORS.has(code)) return true;
    cause = cause.cause;
  }
  return false;
}

describe('gateway process and `ysh sites` on the embedded database', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let env: NodeJS.ProcessEnv;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    dir = await tempDir('ysh-gwproc-');
    broker = await startBroker(join(dir.path, 'kafka'));
    env = {
      ...process.env,
      YSH_DATA_DIR: join(dir.path, 'data'),
      YSH_LOG_LEVEL: 'info',
      YSH_KAFKA_BROKERS: broker.brokers,
      YSH_EMBEDDED_POSTGRES_PORT: String(await freePort()),
      YSH_EMBEDDED_MQTT_PORT: String(await freePort()),
      YSH_GATEWAY_KAFKA_PARTITIONS: '2',
    };
    for (const k of ['YSH_DATABASE_URL', 'YSH_REDIS_URL', 'YSH_MQTT_URL']) delete env[k];
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await broker?.close();
    await dir?.remove();
  });

  const ysh = async (...args: string[]) =>
    (await run(process.execPath, [YSH, ...args], { cwd: ROOT, env })).stdout.trim();

  // Seven process starts (CLI and gateway, each through tsx) and a database recovery after kill -9: minutes on a loaded machine.
  it('provisions while the gateway is stopped, survives kill -9 mid-load, revokes while it runs, stops on SIGTERM', async () => {
    expect(await ysh('sites', 'add', 'proc-site')).toBe('site proc-site added');
    const token = (await ysh('sites', 'token', 'proc-site')).split(/\s+/).pop() as string;
    expect(token).toMatch(/^ysh_st_/);

    let gw = await spawnGateway(env);
    children.push(gw.child);
    const acked = new Set<string>();
    const sent = new Set<string>();
    let stop = false;
    let connectionErrors = 0;
    // Any answer other than 200 or 503 (Kafka not ready yet) is a failure, kept apart from connection errors.
    const unexpected: string[] = [];
    const load = async (c: number) => {
      for (let n = 0; !stop; n++) {
        const readings = Array.from({ length: 20 }, (_, i) => reading('proc-site', `proc-${c}`, n * 20 + i));
        for (const r of readings) sent.add(`${r.device}/${r.seq}`);
        const body = JSON.stringify(batch('proc-site', readings));
        for (;;) {
          let status: number;
          let answer: string;
          try {
            const res = await fetch(`${gw.url}/v1/telemetry`, {
              method: 'POST',
              headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
              body,
            });
            status = res.status;
            answer = await res.text();
          } catch (err) {
            // Only a refused or cut connection (the gateway is down or being killed) is retried as such.
            if (!isConnectionError(err)) throw err;
            connectionErrors++;
            await sleep(100);
            continue;
          }
          if (status === 200) {
            const result = JSON.parse(answer) as { accepted: number; duplicates: number; rejected: unknown[] };
            expect(result.accepted + result.duplicates, answer).toBe(readings.length);
            expect(result.rejected).toEqual([]);
            for (const r of readings) acked.add(`${r.device}/${r.seq}`);
            break;
          }
          if (status !== 503) {
            unexpected.push(`${status} ${answer}`);
            stop = true;
            return;
          }
          await sleep(100);
        }
      }
    };
    // A failing client stops the other one too, so the test ends with its error.
    const client = (c: number) =>
      load(c).catch((err: unknown) => {
        stop = true;
        throw err;
      });
    const clients = [0, 1].map(client);
    await waitFor('batches acknowledged before the kill', () => acked.size >= 100 || stop);
    await sleep(500);
    gw.child.kill('SIGKILL');
    await new Promise((r) => gw.child.once('exit', r));
    const ackedAtKill = acked.size;
    gw = await spawnGateway(env);
    children.push(gw.child);
    await waitFor('batches acknowledged after the restart', () => acked.size >= ackedAtKill + 100 || stop);
    stop = true;
    await Promise.all(clients);
    expect(unexpected).toEqual([]);
    expect(connectionErrors).toBeGreaterThan(0);
    expect(acked.size).toBeGreaterThan(ackedAtKill);

    const stored = new Set(
      (await readTopic(broker.brokers, TOPICS.telemetry)).map((m) => {
        const r = JSON.parse(m.value) as { device: string; seq: number };
        return `${r.device}/${r.seq}`;
      }),
    );
    // Every acknowledged reading is in Kafka; nothing is there that was not sent.
    for (const key of acked) expect(stored.has(key)).toBe(true);
    for (const key of stored) expect(sent.has(key)).toBe(true);

    // Revocation through the CLI while the gateway runs (the CLI joins the database the gateway serves).
    expect(await ysh('sites', 'revoke', 'proc-site')).toBe('revoked 1 token(s) of site proc-site');
    const after = await fetch(`${gw.url}/v1/telemetry`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(batch('proc-site', [reading('proc-site', 'proc-0', 999_999)])),
    });
    expect(after.status).toBe(401);

    gw.child.kill('SIGTERM');
    const code = await new Promise((r) => gw.child.once('exit', r));
    expect(code).toBe(0);
    const again = (await ysh('sites', 'token', 'proc-site')).split(/\s+/).pop();
    expect(again).toMatch(/^ysh_st_/);
    expect(again).not.toBe(token);
    expect(await ysh('sites', 'list')).toContain('proc-site\ttokens=1');
  }, 180_000);
});
