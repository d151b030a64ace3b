import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '@ysh/common';
import type { EdgeAgent } from '@ysh/edge-agent';
import type { Simulator } from '@ysh/firmware-sim';
import type { TestReceiver } from '@ysh/test-helpers';
import { type SiteUnderTest, startSite } from './fixtures.ts';
import { waitFor } from '@ysh/test-helpers';

/**
 * Accelerated: the simulator runs 600× (six wall seconds = one simulated hour)
 * and the agent polls every 20 ms, so a one-hour outage builds a backlog of
 * ~300 readings per device in six seconds.
 */
describe('store-and-forward across a gateway outage', () => {
  let site: SiteUnderTest;
  let sim: Simulator;
  let receiver: TestReceiver;
  let agent: EdgeAgent;
  let stored: Reading[];

  beforeAll(async () => {
    site = await startSite({ sim: { devices: 10, seed: 11, speed: 600 }, yaml: { interval: '20ms', timeout: '1s' } });
    ({ sim, receiver, agent, stored } = site);
    await waitFor('first readings delivered', () => receiver.uniqueCount() >= 50);
  });

  afterAll(async () => {
    await site?.close();
  });

  it('delivers every reading after a simulated hour down, in order per device', async () => {
    await receiver.down();
    const simStart = sim.clock.now();
    await waitFor('a simulated hour', () => sim.clock.now() - simStart >= 3_600_000, 15_000);
    const backlog = agent.log.backlog;
    expect(backlog).toBeGreaterThan(1000);
    await receiver.up();
    // Polling goes on while it drains: caught up means less than one linger's worth left.
    await waitFor('backlog drained', () => agent.log.backlog < 100, 30_000);

    // The devices go quiet so nothing new is stored, the rest drains, then compare with what was stored.
    for (const d of sim.devices) sim.injectFault(d.id, { type: 'comm-loss' });
    // A device's polls run one after another: once one failed, none that started before the fault is still running.
    // (Requests that time out hold the shared bus for 1 s each, so this takes up to ~20 s.)
    await waitFor(
      'a failed poll of every device',
      () => Object.values(agent.devices()).every((d) => d.lastError !== undefined),
      60_000,
    );
    await waitFor('last readings drained', () => agent.log.backlog === 0, 30_000);
    await agent.stop();
    const okReads = Number(
      /ysh_edge_block_reads_total\{outcome="ok"[^}]*\} (\d+)/.exec(await agent.metrics.registry.metrics())?.[1],
    );
    const pairs = new Set(stored.map((r) => `${r.device}#${r.seq}`));
    const got = new Set(receiver.readings.map((r) => `${r.device}#${r.seq}`));
    expect(got.size).toBe(pairs.size);
    for (const p of pairs) expect(got.has(p), p).toBe(true);
    expect(receiver.stats.orderViolations).toBe(0);
    for (const [device, seqs] of receiver.byDevice) {
      expect(
        seqs.every((s, i) => i === 0 || s > (seqs[i - 1] as number)),
        device,
      ).toBe(true);
    }
    // Counts agree with the simulator: every block it served (exceptions aside: discovery probes past
    // the end of the map) was read by a poll that became a stored reading.
    const polls = Object.values(agent.devices()).reduce((n, d) => n + d.polls, 0);
    expect(receiver.uniqueCount()).toBe(polls);
    const simStats = sim.stats();
    expect(simStats.responses - simStats.exceptions).toBe(okReads);
    expect(receiver.stats.rejected).toBe(0);
  }, 180_000);
});

describe('uplink retries', () => {
  let site: SiteUnderTest;
  let receiver: TestReceiver;
  let agent: EdgeAgent;

  beforeAll(async () => {
    site = await startSite({
      sim: { devices: 3, seed: 5, speed: 1 },
      yaml: { interval: '50ms', gateway: { retryMin: '10ms', retryMax: '50ms', batchMaxReadings: 20 } },
    });
    ({ receiver, agent } = site);
    await waitFor('first readings', () => receiver.uniqueCount() > 10);
  });

  afterAll(async () => {
    await site?.close();
  });

  it('honours 503 Retry-After instead of its own short backoff', async () => {
    const from = receiver.refusedAt.length;
    receiver.setMode({ status: 503, retryAfter: 1 });
    await waitFor('three refused batches', () => receiver.refusedAt.length - from >= 3);
    receiver.setMode({});
    // One batch in flight: each retry comes at least Retry-After (1 s) after the refusal before it,
    // where its own 10-50 ms backoff would have sent it at once (a loaded machine only lengthens the gaps).
    const at = receiver.refusedAt.slice(from, from + 3);
    const gaps = at.slice(1).map((t, i) => t - (at[i] as number));
    for (const gap of gaps) expect(gap, `gaps between refusals: ${gaps.join(', ')} ms`).toBeGreaterThanOrEqual(990);
    await waitFor('backlog drained after 503', () => agent.log.backlog < 10);
  });

  it('resends a batch whose response was lost; the receiver drops the duplicates', async () => {
    const dupBefore = receiver.stats.duplicates;
    receiver.setMode({ dropResponses: 3 });
    await waitFor('three lost responses', () => receiver.stats.duplicates - dupBefore > 0);
    await waitFor('drained', () => agent.log.backlog < 10);
    expect(receiver.stats.orderViolations).toBe(0);
    // Every (device, seq) from the first to the last one received is there: no gap.
    for (const seqs of receiver.byDevice.values()) {
      const sorted = [...seqs].sort((a, b) => a - b);
      expect(sorted.at(-1)! - sorted[0]! + 1).toBe(sorted.length);
    }
  });
});
