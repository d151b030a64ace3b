import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EdgeAgent } from '@ysh/edge-agent';
import type { Simulator } from '@ysh/firmware-sim';
import type { TestReceiver } from '@ysh/test-helpers';
import { type SiteUnderTest, startSite } from './fixtures.ts';
import { waitFor } from '@ysh/test-helpers';

const INTERVAL_MS = 200;

describe('fault isolation on one shared bus', () => {
  let site: SiteUnderTest;
  let sim: Simulator;
  let receiver: TestReceiver;
  let agent: EdgeAgent;
  const bad = ['inv-0003', 'inv-0007'];

  beforeAll(async () => {
    // 10 devices behind one Modbus TCP port (unit ids 1-10): one bus, one request at a time.
    site = await startSite({
      sim: { devices: 10, seed: 3, speed: 1 },
      prepare: (s) => {
        s.injectFault('inv-0003', { type: 'comm-loss' });
        s.injectFault('inv-0007', { type: 'modbus-exception', code: 4 });
      },
      yaml: {
        interval: `${INTERVAL_MS}ms`,
        timeout: '80ms',
        retries: 1,
        polling: { offlineAfter: 3, offlineProbe: '2s' },
      },
    });
    ({ sim, receiver, agent } = site);
    expect(new Set(sim.devices.map((d) => d.port)).size).toBe(1);
  });

  afterAll(async () => {
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

  it('keeps the other eight at their poll rate within 10 %', async () => {
    const good = sim.devices.map((d) => d.id).filter((id) => !bad.includes(id));
    await waitFor('all healthy devices online', () => good.every((id) => agent.devices()[id]?.health === 'online'));
    const windowMs = 4000;
    const before = Object.fromEntries(good.map((id) => [id, agent.devices()[id]?.polls ?? 0]));
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, windowMs));
    const elapsed = performance.now() - t0;
    const expected = elapsed / INTERVAL_MS;
    for (const id of good) {
      const polls = (agent.devices()[id]?.polls ?? 0) - (before[id] ?? 0);
      expect(
        Math.abs(polls - expected) / expected,
        `${id}: ${polls} polls, expected ${expected.toFixed(1)}`,
      ).toBeLessThanOrEqual(0.1);
    }
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
