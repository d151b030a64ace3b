import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EdgeAgent } from '@ysh/edge-agent';
import type { Simulator } from '@ysh/firmware-sim';
import type { TestReceiver } from '@ysh/test-helpers';
import { type SiteUnderTest, startSite } from './fixtures.ts';
import { waitFor } from '@ysh/test-helpers';

const INTERVAL_MS = 200;
const YAML = {
  interval: `${INTERVAL_MS}ms`,
  timeout: '80ms',
  retries: 1,
  polling: { offlineAfter: 3, offlineProbe: '2s' },
};

describe('fault isolation on one shared bus', () => {
  let site: SiteUnderTest;
  let sim: Simulator;
  let receiver: TestReceiver;
  let agent: EdgeAgent;
  let peer: SiteUnderTest;
  const bad = ['inv-0003', 'inv-0007'];

  beforeAll(async () => {
    // 10 devices behind one Modbus TCP port (unit ids 1-10): one bus, one request at a time.
    site = await startSite({
      sim: { devices: 10, seed: 3, speed: 1 },
      prepare: (s) => {
        s.injectFault('inv-0003', { type: 'comm-loss' });
        s.injectFault('inv-0007', { type: 'modbus-exception', code: 4 });
      },
      yaml: YAML,
    });
    ({ sim, receiver, agent } = site);
    expect(new Set(sim.devices.map((d) => d.port)).size).toBe(1);
    // The peer: eight healthy devices alone on a bus of their own, polled in the same process at the same time.
    peer = await startSite({ sim: { devices: 8, seed: 3, speed: 1 }, yaml: YAML });
  });

  afterAll(async () => {
    await peer?.close();
    await site?.close();
  });

  it('marks the silent and the failing device offline', async () => {
    await waitFor('both faulty devices offline', () => bad.every((id) => agent.devices()[id]?.health === 'offline'));
    const status = agent.devices();
    expect(status['inv-0003']?.lastError).toMatch(/no answer within 80 ms/);
    expect(status['inv-0007']?.lastError).toMatch(/exception 4/);
    const metrics = await (await fetch(`${agent.ops?.url}/metrics`)).text();
    expect(metrics).toMatch(/ysh_edge_device_health\{device="inv-0003"[^}]*\} 3/);
    expect(metrics).toMatch(/ysh_edge_device_health\{device="inv-0001"[^}]*\} 1/);
    expect(metrics).toMatch(/ysh_edge_block_reads_total\{outcome="timeout"[^}]*\} [1-9]/);
  });

  it('keeps the other eight polling as often as eight devices alone on their own bus', async () => {
    const good = sim.devices.map((d) => d.id).filter((id) => !bad.includes(id));
    const alone = peer.sim.devices.map((d) => d.id);
    await waitFor(
      'all healthy devices online',
      () =>
        good.every((id) => agent.devices()[id]?.health === 'online') &&
        alone.every((id) => peer.agent.devices()[id]?.health === 'online'),
    );
    const polls = (a: EdgeAgent, ids: string[]) => ids.reduce((n, id) => n + (a.devices()[id]?.polls ?? 0), 0);
    const reads = async (outcome: string) =>
      Number(
        new RegExp(`ysh_edge_block_reads_total\\{outcome="${outcome}"[^}]*\\} (\\d+)`).exec(
          await agent.metrics.registry.metrics(),
        )?.[1] ?? 0,
      );
    const [oursBefore, peerBefore] = [polls(agent, good), polls(peer.agent, alone)];
    const [timeouts, exceptions] = [await reads('timeout'), await reads('exception')];
    const t0 = performance.now();
    // A window of at least 6 s in which each faulty device took the shared bus again (offline probes, every 2 s).
    await waitFor(
      'two offline probes of each faulty device',
      async () =>
        performance.now() - t0 >= 6000 &&
        (await reads('timeout')) - timeouts >= 2 &&
        (await reads('exception')) - exceptions >= 2,
      30_000,
    );
    const ours = polls(agent, good) - oursBefore;
    const theirs = polls(peer.agent, alone) - peerBefore;
    const intervals = (performance.now() - t0) / INTERVAL_MS;
    const line = `${ours} polls of the eight next to the faulty two, ${theirs} of the eight alone, ${intervals.toFixed(1)} intervals`;
    // Same process, same moment: a loaded machine slows both alike; neighbours' timeouts must not.
    expect(theirs, line).toBeGreaterThan(0);
    expect(ours / theirs, line).toBeGreaterThanOrEqual(0.9);
    // The healthy devices' readings reach the receiver as good readings.
    await waitFor('readings of healthy devices', () =>
      good.every((id) => (receiver.byDevice.get(id)?.length ?? 0) > 10),
    );
    expect(receiver.byDevice.get('inv-0003')).toBeUndefined();
    expect(receiver.byDevice.get('inv-0007')).toBeUndefined();
  });

  it('brings a device back online when it answers again', async () => {
    sim.clearFault('inv-0007', 'all');
    await waitFor('inv-0007 back', () => (receiver.byDevice.get('inv-0007')?.length ?? 0) > 0, 10_000);
    const first = receiver.readings.find((r) => r.device === 'inv-0007');
    // The first reading after the outage says so.
    expect(first?.quality).toBe('degraded');
    expect(first?.flags).toContain('device_degraded');
    await waitFor('inv-0007 online', () => agent.devices()['inv-0007']?.health === 'online', 10_000);
    // Back on its own interval at once, not after another offline probe period (2 s here).
    await waitFor('two readings of inv-0007', () => (receiver.byDevice.get('inv-0007')?.length ?? 0) >= 2, 10_000);
    const [a, b] = receiver.readings.filter((r) => r.device === 'inv-0007').slice(0, 2);
    expect(Date.parse(b?.ts ?? '') - Date.parse(a?.ts ?? '')).toBeLessThan(1000);
  });
});
