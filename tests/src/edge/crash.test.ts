import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '@ysh/firmware-sim';
import { startTestReceiver, type TestReceiver, NOON, tempDir, waitFor } from '@ysh/test-helpers';
import { spawnAgent, type AgentProcess } from './agent-process.ts';
import { siteYaml, TOKEN } from './fixtures.ts';

describe('kill -9 during polling and during drain', () => {
  let sim: Simulator;
  let receiver: TestReceiver;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let current: AgentProcess | undefined;
  const promised = new Set<string>();
  let args: string[];

  beforeAll(async () => {
    sim = await startSimulator({ devices: 10, port: 0, seed: 21, speed: 60, start: NOON });
    receiver = await startTestReceiver({ token: TOKEN });
    dir = await tempDir();
    const config = join(dir.path, 'site.yaml');
    await writeFile(
      config,
      siteYaml({
        gatewayUrl: receiver.url,
        devices: sim.devices,
        interval: '20ms',
        gateway: { batchMaxReadings: 50, retryMin: '20ms', retryMax: '100ms' },
      }),
    );
    args = ['--config', config, '--data-dir', join(dir.path, 'data'), '--port', '0'];
  });

  afterAll(async () => {
    await current?.kill('SIGKILL');
    await receiver?.close();
    await sim?.close();
    await dir?.remove();
  });

  const start = async (): Promise<AgentProcess> => {
    current = spawnAgent(args, (pairs) => {
      for (const [d, s] of pairs) promised.add(`${d}#${s}`);
    });
    await current.ready;
    return current;
  };

  it('loses nothing and only repeats (device, seq) pairs with identical content', async () => {
    let kills = 0;
    // Readings the receiver stored in batches whose answer the killed agent never got.
    let heldReadings = 0;
    for (let round = 0; round < 3; round++) {
      // During polling, with the link up.
      const a = await start();
      const from = promised.size;
      await waitFor('readings stored by this run', () => promised.size - from >= 100 + round * 50);
      await a.kill('SIGKILL');
      kills++;

      // Build a backlog with the link down, then kill while it drains: the receiver stores a batch and
      // holds its answer, so the agent dies with that batch sent but not acknowledged in its log.
      await receiver.down();
      const b = await start();
      const backlogFrom = promised.size;
      await waitFor('a backlog stored while the link is down', () => promised.size - backlogFrom >= 200);
      const uniqueBefore = receiver.uniqueCount();
      receiver.setMode({ holdResponses: true });
      await receiver.up();
      await waitFor('a drained batch stored by the receiver, its answer held back', () => receiver.stats.held > 0);
      await b.kill('SIGKILL');
      heldReadings += receiver.uniqueCount() - uniqueBefore;
      kills++;
      receiver.setMode({});
    }
    expect(kills).toBe(6);
    expect(heldReadings).toBeGreaterThan(0);
    expect(promised.size).toBeGreaterThan(1000);

    // A last run drains everything the killed runs stored.
    const last = await start();
    const got = () => new Set(receiver.readings.map((r) => `${r.device}#${r.seq}`));
    // Everything stored up to now (the last run keeps polling, so the set keeps growing).
    const snapshot = [...promised];
    await waitFor(
      'every stored reading delivered',
      () => {
        const g = got();
        return snapshot.every((p) => g.has(p));
      },
      60_000,
    ).catch(() => undefined);
    expect(await last.kill('SIGTERM')).toBe(0);

    const g = got();
    const missing = snapshot.filter((p) => !g.has(p));
    expect(missing).toEqual([]);
    // Crash recovery resent the batches held at each kill during drain: the receiver saw repeats, all exact copies.
    expect(receiver.stats.duplicates).toBeGreaterThanOrEqual(heldReadings);
    expect(receiver.stats.conflicts).toBe(0);
    expect(receiver.stats.orderViolations).toBe(0);
  });
});
