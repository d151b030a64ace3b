import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATING_STATE } from '@ysh/common';
import { DATABASE_KINDS, type TestDatabase } from '@ysh/test-helpers';
import {
  addReading,
  deserializeWindow,
  emptyWindow,
  STAT_FIELDS,
  windowResult,
  type WindowAcc,
} from '../aggregates/window-aggregate.ts';
import { reading, T0 } from '../testing/readings.ts';
import { listSiteWindowDevices, loadSiteWindows, resultRowsJson, upsertResultRows } from './results-store.ts';

const SIZE = 300_000;

/** A window of `n` readings every 10 s from its start, metrics varied by a function of the index. */
function window(device: string, start: number, n: number, metrics: (i: number) => Record<string, number>): WindowAcc {
  const acc = emptyWindow(start);
  for (let i = 0; i < n; i++) {
    const ts = start + i * 10_000;
    addReading(acc, reading(device, i + 1, ts, metrics(i)), ts);
  }
  return acc;
}

describe('window result rows as JSON', () => {
  it('hold every column of the result and its state, as JSON.stringify of the row would, and the last revision only', () => {
    const full = window('inv-"01"\\ é', T0, 30, (i) => ({
      ac_power_w: 1000 + i / 3,
      temperature_c: -0.5 + i / 7,
      mppt1_dc_power_w: 512.5 + i,
      mppt10_dc_power_w: 498.25 - i,
      events: i === 4 ? 0x8000_0001 : 0,
    }));
    // No AC power and no energy counter at all: null statistics and null energy; one sample, no last state.
    const sparse = window('inv-02', T0, 1, () => ({
      ac_power_w: undefined as unknown as number,
      ac_energy_wh: undefined as unknown as number,
      operating_state: undefined as unknown as number,
    }));
    const first = { result: windowResult('site-ç', 'inv-"01"\\ é', full, SIZE, 10_000), acc: full };
    const revised = { result: { ...first.result, revision: 1, samples: 31 }, acc: full };
    const other = { result: windowResult('site-a', 'inv-02', sparse, SIZE, 10_000), acc: sparse };
    expect(other.result.stats.ac_power_w).toBeNull();
    expect(other.result.energyWh).toBeNull();

    const rows = JSON.parse(resultRowsJson([first, other, revised]) as string) as Record<string, unknown>[];
    const expected = [revised, other].map(({ result: r }) => ({
      device: r.device,
      site: r.site,
      ws: r.windowStart,
      we: r.windowEnd,
      revision: r.revision,
      samples: r.samples,
      expected: r.expected,
      availability: r.availability,
      energy_wh: r.energyWh,
      counter_resets: r.counterResets,
      mppt_power_w: r.mpptPower,
      fault_samples: r.faultSamples,
      throttled_samples: r.throttledSamples,
      events_mask: r.eventsMask,
      last_state: r.lastState,
      ...Object.fromEntries(
        STAT_FIELDS.flatMap((f) => {
          const st = r.stats[f];
          return [
            [`${f}_mean`, st?.mean ?? null],
            [`${f}_min`, st?.min ?? null],
            [`${f}_max`, st?.max ?? null],
            [`${f}_stddev`, st?.stddev ?? null],
          ];
        }),
      ),
    }));
    expect(rows.map(({ state, ...row }) => row)).toEqual(expected);
    expect(Object.keys(rows[0]?.mppt_power_w as object).sort()).toEqual(['1', '10']);
    expect(rows.map((row) => deserializeWindow(row.state as object))).toEqual([full, sparse]);
    expect(resultRowsJson([])).toBeUndefined();
  });
});

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.enabled)(`window results store on ${kind.kind}`, () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await kind.open();
    });
    afterAll(async () => {
      await db?.close();
    });

    it('peer rules read back, from the columns, exactly the result the processor computed from the state', async () => {
      await db.pool.query('TRUNCATE window_results');
      const w1 = T0;
      const w2 = T0 + SIZE;
      const accs = [
        // Derating for a third of the window, two MPPT inputs, an event bit, values with long fractions.
        {
          site: 'site-a',
          device: 'inv-01',
          acc: window('inv-01', w1, 30, (i) => ({
            ac_power_w: 1000 + i / 3,
            temperature_c: 61.123456789 + i / 7,
            operating_state: i % 3 === 0 ? OPERATING_STATE.THROTTLED : OPERATING_STATE.MPPT,
            mppt1_dc_power_w: 512.5 + i,
            mppt2_dc_power_w: 498.25 - i,
            events: i === 4 ? 0x8000_0001 : 0,
          })),
        },
        // Faulted, no AC power reported at all: its AC statistics are null.
        {
          site: 'site-a',
          device: 'inv-02',
          acc: window('inv-02', w1, 12, () => ({
            ac_power_w: undefined as unknown as number,
            operating_state: OPERATING_STATE.FAULT,
          })),
        },
        { site: 'site-a', device: 'inv-01', acc: window('inv-01', w2, 3, (i) => ({ ac_power_w: 900 + i })) },
        { site: 'site-b', device: 'inv-03', acc: window('inv-03', w1, 30, (i) => ({ ac_power_w: 1500 - i })) },
      ];
      const results = accs.map(({ site, device, acc }) => ({
        result: windowResult(site, device, acc, SIZE, 10_000),
        acc,
      }));
      await upsertResultRows(db.pool, resultRowsJson(results));

      const keys = [
        { site: 'site-a', windowStart: w1 },
        { site: 'site-a', windowStart: w2 },
        { site: 'site-b', windowStart: w2 },
      ];
      const present = await listSiteWindowDevices(db.pool, keys);
      expect(Object.fromEntries([...present].map(([k, v]) => [k, [...v].sort()]))).toEqual({
        [`site-a@${w1}`]: ['inv-01', 'inv-02'],
        [`site-a@${w2}`]: ['inv-01'],
      });

      const loaded = await loadSiteWindows(db.pool, keys);
      expect([...loaded.keys()].sort()).toEqual([`site-a@${w1}`, `site-a@${w2}`].sort());
      expect(loaded.get(`site-a@${w1}`)?.map((r) => r.result)).toEqual([results[0]?.result, results[1]?.result]);
      expect(loaded.get(`site-a@${w2}`)?.map((r) => r.result)).toEqual([results[2]?.result]);
      const first = loaded.get(`site-a@${w1}`)?.[0]?.result;
      expect(first?.throttledSamples).toBe(10);
      expect(first?.eventsMask).toBe(0x8000_0001);
      expect(loaded.get(`site-a@${w1}`)?.[1]?.result.stats.ac_power_w).toBeNull();
      expect(loaded.get(`site-a@${w1}`)?.[1]?.result.faultSamples).toBe(12);
    });
  });
}
