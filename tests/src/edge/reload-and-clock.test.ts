import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@ysh/common';
import { parseSiteConfig, startEdgeAgent } from '@ysh/edge-agent';
import { startSimulator, type Simulator } from '@ysh/firmware-sim';
import { startTestReceiver, type TestReceiver, NOON, tempDir, waitFor } from '@ysh/test-helpers';
import { spawnAgent, type AgentProcess } from './agent-process.ts';
import { siteYaml, TOKEN } from './fixtures.ts';

describe('SIGHUP reload', () => {
  let sim: Simulator;
  let receiver: TestReceiver;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let agent: AgentProcess | undefined;
  const promised = new Set<string>();

  beforeAll(async () => {
    sim = await startSimulator({ devices: 5, port: 0, seed: 17, speed: 60, start: NOON });
    receiver = await startTestReceiver({ token: TOKEN });
    dir = await tempDir();
  });

  afterAll(async () => {
    await agent?.kill('SIGKILL');
    await receiver?.close();
    await sim?.close();
    await dir?.remove();
  });

  it('applies a new device list without losing buffered readings, and keeps running on a bad file', async () => {
    const config = join(dir.path, 'site.yaml');
    const write = (n: number) =>
      writeFile(config, siteYaml({ gatewayUrl: receiver.url, devices: sim.devices.slice(0, n), interval: '50ms' }));
    await write(3);
    await receiver.down();
    agent = spawnAgent(['--config', config, '--data-dir', join(dir.path, 'data'), '--port', '0'], (pairs) => {
      for (const [d, s] of pairs) promised.add(`${d}#${s}`);
    });
    await agent.ready;
    await waitFor('a buffered backlog', () => promised.size > 100);

    // A broken file first: logged, the running config stays.
    await writeFile(config, 'site: site-sp-001\ngateway: [\n');
    agent.child.kill('SIGHUP');
    await new Promise((r) => setTimeout(r, 300));
    expect(agent.child.exitCode).toBeNull();

    await write(5);
    agent.child.kill('SIGHUP');
    await waitFor('the added devices polled', () => [...promised].some((p) => p.startsWith('inv-0005#')));
    await receiver.up();
    const snapshot = [...promised];
    await waitFor('everything buffered before and after the reload delivered', () => {
      const got = new Set(receiver.readings.map((r) => `${r.device}#${r.seq}`));
      return snapshot.every((p) => got.has(p));
    });
    expect(receiver.byDevice.get('inv-0004')?.length).toBeGreaterThan(0);
    expect(receiver.stats.orderViolations).toBe(0);
    expect(await agent.kill('SIGTERM')).toBe(0);
  });
});

describe('clock jump', () => {
  it('flags the readings stamped around a wall-clock step', async () => {
    const sim = await startSimulator({ devices: 2, port: 0, seed: 1, speed: 1, start: NOON });
    const receiver = await startTestReceiver({ token: TOKEN });
    const dir = await tempDir();
    let offset = 0;
    const clock = { wall: () => Date.now() + offset, mono: () => performance.now() };
    const agent = await startEdgeAgent(
      parseSiteConfig(siteYaml({ gatewayUrl: receiver.url, devices: sim.devices, interval: '50ms' })),
      { dataDir: dir.path, port: 0, logger: createLogger('t', { level: 'silent' }), clock },
    );
    try {
      await waitFor('good readings', () => receiver.uniqueCount() > 10);
      expect(receiver.readings.every((r) => r.quality === 'good' && r.flags === undefined)).toBe(true);
      offset = -3_600_000; // the wall clock steps an hour back (e.g. a bad NTP server)
      await waitFor('flagged readings', () => receiver.readings.some((r) => r.flags?.includes('clock_jump')));
      const flagged = receiver.readings.filter((r) => r.flags?.includes('clock_jump'));
      expect(flagged.every((r) => r.quality === 'suspect')).toBe(true);
      const metrics = await agent.metrics.registry.getSingleMetricAsString('ysh_edge_clock_jump_readings_total');
      expect(Number(/ (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    } finally {
      await agent.stop();
      await receiver.close();
      await sim.close();
      await dir.remove();
    }
  });
});
