import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '@ysh/common';
import type { EdgeAgent } from '@ysh/edge-agent';
import type { Simulator } from '@ysh/firmware-sim';
import type { TestReceiver } from '@ysh/test-helpers';
import { SITE, type SiteUnderTest, startSite } from './fixtures.ts';
import { waitFor } from '@ysh/test-helpers';

const QUOTA = 64 * 1024;

/**
 * Bytes of the segment files, from a listing that did not change while the sizes were read:
 * the agent keeps writing, and a segment counted just before it was dropped plus the new
 * one written after it would add up to more than ever was on disk at once.
 */
async function dirBytes(path: string): Promise<number> {
  for (;;) {
    const names = (await readdir(path)).filter((name) => name.endsWith('.seg')).sort();
    let n = 0;
    for (const name of names) n += (await stat(join(path, name)).catch(() => ({ size: 0 }))).size;
    const again = (await readdir(path)).filter((name) => name.endsWith('.seg')).sort();
    if (again.join() === names.join()) return n;
  }
}

describe('disk full: a tiny buffer quota', () => {
  let site: SiteUnderTest;
  let sim: Simulator;
  let receiver: TestReceiver;
  let agent: EdgeAgent;
  let stored: Reading[];

  beforeAll(async () => {
    site = await startSite({
      sim: { devices: 10, seed: 9, speed: 60 },
      yaml: {
        interval: '20ms',
        buffer: { maxBytes: '64KiB', segmentBytes: '8KiB' },
        gateway: { batchMaxReadings: 100 },
      },
    });
    ({ sim, receiver, agent, stored } = site);
  });

  afterAll(async () => {
    await site?.close();
  });

  it('drops the oldest readings, counts them, keeps the newest and keeps running', async () => {
    await receiver.down();
    const storedBefore = stored.length;
    await waitFor('several quotas worth of readings', () => stored.length - storedBefore > 1500, 20_000);
    const bufferDir = join(site.dir.path, 'edge', SITE, 'buffer');
    expect(await dirBytes(bufferDir)).toBeLessThanOrEqual(QUOTA);
    const metrics = await (await fetch(`${agent.ops?.url}/metrics`)).text();
    const dropped = Number(/ysh_edge_readings_dropped_total\{[^}]*\} (\d+)/.exec(metrics)?.[1]);
    expect(dropped).toBeGreaterThan(500);
    expect((await fetch(`${agent.ops?.url}/health`)).status).toBe(200);
    // Still polling and storing while full.
    const n = stored.length;
    await waitFor('more readings stored while full', () => stored.length > n + 100);

    // Devices go quiet, the link comes back, the buffer drains.
    for (const d of sim.devices) sim.injectFault(d.id, { type: 'comm-loss' });
    // A device's polls run one after another: once one failed, none that started before the fault is still running.
    await waitFor(
      'a failed poll of every device',
      () => Object.values(agent.devices()).every((d) => d.lastError !== undefined),
      60_000,
    );
    await receiver.up();
    await waitFor('drained', () => agent.log.backlog === 0, 20_000);

    const totalDropped = agent.log.totals.dropped;
    const got = new Set(receiver.readings.map((r) => `${r.device}#${r.seq}`));
    // Every stored reading either arrived or was counted as dropped (a batch whose response was lost
    // when the link went down may be both delivered and dropped); the counts were reported upstream.
    const unaccounted = stored.filter((r) => !got.has(`${r.device}#${r.seq}`)).length;
    expect(unaccounted).toBeLessThanOrEqual(totalDropped);
    expect(got.size + totalDropped - stored.length).toBeLessThanOrEqual(100);
    expect(receiver.stats.reportedDropped).toBe(totalDropped);
    // The newest reading of every device arrived; what is missing is the oldest, per device a prefix of the outage.
    for (const d of sim.devices) {
      const mine = stored.filter((r) => r.device === d.id);
      const newest = mine.at(-1) as Reading;
      expect(got.has(`${d.id}#${newest.seq}`), `${d.id} newest`).toBe(true);
      const missing = mine.filter((r) => !got.has(`${r.device}#${r.seq}`)).map((r) => r.seq);
      const firstMissing = Math.min(...missing);
      const lastMissing = Math.max(...missing);
      const arrivedBetween = mine.filter(
        (r) => r.seq > firstMissing && r.seq < lastMissing && got.has(`${r.device}#${r.seq}`),
      );
      expect(arrivedBetween, `${d.id}: holes`).toEqual([]);
    }
  });
});
