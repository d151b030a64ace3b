import { describe, expect, it } from 'vitest';
import type { Reading } from '@ysh/common';
import { windowResult, type WindowResult } from '../aggregates/window-aggregate.ts';
import { reading, T0 } from '../testing/readings.ts';
import { WindowManager, type WindowEmit, type WindowOptions } from './window-manager.ts';

const MIN = 60_000;
const OPTS: Partial<WindowOptions> = { sizeMs: 5 * MIN, allowedLatenessMs: MIN, idleTimeoutMs: 2 * MIN };

function run(readings: Reading[], opts = OPTS, nowOf: (i: number) => number = () => 0) {
  const wm = new WindowManager(opts);
  const out: WindowEmit[] = [];
  const outcomes: string[] = [];
  readings.forEach((r, i) => {
    outcomes.push(wm.add(r, Date.parse(r.ts), nowOf(i), out));
  });
  const results = out.map((e) => ({
    ...windowResult(e.dev.site, e.dev.device, e.acc, wm.options.sizeMs, 10_000),
    reason: e.reason,
    correction: e.correction,
  }));
  return { wm, out, results, outcomes };
}

/** The latest result per (device, window): what the sink holds after replacements. */
function finalView(results: WindowResult[]): Map<string, WindowResult> {
  const m = new Map<string, WindowResult>();
  for (const r of results) m.set(`${r.device}@${r.windowStart}`, r);
  return m;
}

const every10s = (device: string, from: number, count: number, seq0 = 0) =>
  Array.from({ length: count }, (_, i) => reading(device, seq0 + i, from + i * 10_000, { ac_power_w: 1000 + i }));

describe('WindowManager', () => {
  it('assigns readings on window boundaries to the window that starts there', () => {
    const rs = [
      reading('inv-1', 1, T0 + 5 * MIN - 1),
      reading('inv-1', 2, T0 + 5 * MIN),
      reading('inv-1', 3, T0 + 11 * MIN + 1),
    ];
    const { results } = run(rs);
    expect(results.map((r) => [r.windowStart - T0, r.samples])).toEqual([
      [0, 1],
      [5 * MIN, 1],
    ]);
  });

  it('closes a window only once the device event time passes end + allowed lateness', () => {
    const { results: before } = run([reading('inv-1', 1, T0), reading('inv-1', 2, T0 + 6 * MIN - 1)]);
    expect(before).toHaveLength(0);
    const { results: after } = run([reading('inv-1', 1, T0), reading('inv-1', 2, T0 + 6 * MIN)]);
    expect(after).toHaveLength(1);
    expect(after[0]?.reason).toBe('watermark');
  });

  it('takes out-of-order readings within the lateness into the first result, no correction', () => {
    const rs = [
      reading('inv-1', 1, T0 + 10_000),
      reading('inv-1', 3, T0 + 5 * MIN + 20_000),
      reading('inv-1', 2, T0 + 4 * MIN), // late but within lateness: window 0 still open
      reading('inv-1', 4, T0 + 11 * MIN),
    ];
    const { results } = run(rs);
    expect(results.filter((r) => r.windowStart === T0)).toHaveLength(1);
    expect(results[0]?.samples).toBe(2);
    expect(results.some((r) => r.correction)).toBe(false);
  });

  it('event time advances per device: one device far ahead does not make another late', () => {
    const rs = [
      reading('inv-1', 1, T0 + 60 * MIN),
      reading('inv-1', 2, T0 + 70 * MIN),
      reading('inv-2', 1, T0),
      reading('inv-2', 2, T0 + 10_000),
    ];
    const { results, wm } = run(rs);
    expect(results.every((r) => r.device === 'inv-1')).toBe(true);
    expect(wm.devices.get('inv-2')?.open.size).toBe(1);
  });

  it('a one-hour back-fill after an outage gives the same results as live delivery', () => {
    const live = [...every10s('inv-1', T0, 8 * 60)]; // 80 min at 10 s
    const liveRun = run(live, OPTS, (i) => T0 + i * 10_000);
    // Outage: the first 10 minutes arrive live, the rest (70 min) arrives in one burst an hour later.
    const backfillRun = run(live, OPTS, (i) => (i < 60 ? T0 + i * 10_000 : T0 + 75 * MIN + i));
    const a = finalView(liveRun.results);
    const b = finalView(backfillRun.results);
    expect(a.size).toBeGreaterThan(10);
    expect([...b.entries()].map(([k, v]) => [k, v.samples, v.stats.ac_power_w, v.energyWh])).toEqual(
      [...a.entries()].map(([k, v]) => [k, v.samples, v.stats.ac_power_w, v.energyWh]),
    );
    expect(backfillRun.results.some((r) => r.correction)).toBe(false);
  });

  it('a reading for an emitted window yields exactly one corrected result replacing the first', () => {
    const rs = [...every10s('inv-1', T0, 40)]; // 0..390 s → window 0 closes at 6 min
    rs.splice(5, 1); // seq 5 goes missing…
    const late = reading('inv-1', 5, T0 + 50_000, { ac_power_w: 1005 });
    const { wm, results } = run(rs);
    const out: WindowEmit[] = [];
    expect(wm.add(late, Date.parse(late.ts), 1, out)).toBe('added');
    expect(out).toHaveLength(1);
    expect(out[0]?.correction).toBe(true);
    const corrected = windowResult('site-a', 'inv-1', out[0]!.acc, 5 * MIN, 10_000);
    expect(corrected.revision).toBe(1);
    expect(corrected.samples).toBe((results[0]?.samples ?? 0) + 1);
    expect(corrected.samples).toBe(30);
    expect(corrected.stats.ac_power_w?.mean).toBeCloseTo(1014.5, 9);
    // Delivered again: a duplicate, no second correction.
    expect(wm.add(late, Date.parse(late.ts), 2, out)).toBe('duplicate');
    expect(out).toHaveLength(1);
  });

  it('counts a reading delivered twice once', () => {
    const rs = every10s('inv-1', T0, 40);
    const dup = [...rs.slice(0, 10), ...rs.slice(0, 10), ...rs.slice(10)];
    const { results, outcomes } = run(dup);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(10);
    expect(results[0]?.samples).toBe(30);
  });

  it('emits exactly one final result per (device, window) over a long stream', () => {
    const rs = [...every10s('inv-1', T0, 600), ...every10s('inv-2', T0, 600)];
    const { results } = run(rs);
    const keys = results.map((r) => `${r.device}@${r.windowStart}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.length).toBe(2 * 19); // 100 min → windows 0..95 closed, the 20th still open
  });

  it('closes the open windows of a silent device on the processing-time timeout', () => {
    const wm = new WindowManager(OPTS);
    const out: WindowEmit[] = [];
    for (const r of every10s('inv-1', T0, 3)) wm.add(r, Date.parse(r.ts), 1000, out);
    wm.tick(1000 + 2 * MIN - 1, out);
    expect(out).toHaveLength(0);
    wm.tick(1000 + 2 * MIN, out);
    expect(out.map((e) => [e.reason, e.acc.samples])).toEqual([['idle', 3]]);
    // The device comes back within the same window: a correction, not a second first result.
    const r = reading('inv-1', 3, T0 + 30_000);
    wm.add(r, Date.parse(r.ts), 1000 + 3 * MIN, out);
    expect(out.map((e) => e.correction)).toEqual([false, true]);
  });

  it('asks for a stored window when a late reading is older than the in-memory cache', () => {
    const wm = new WindowManager({ ...OPTS, correctionCacheMs: 10 * MIN });
    const out: WindowEmit[] = [];
    for (const r of every10s('inv-1', T0, 180)) wm.add(r, Date.parse(r.ts), 0, out);
    const late = reading('inv-1', 10_000, T0 + 1000);
    expect(wm.needsLookup(late, Date.parse(late.ts))).toBe(T0);
    expect(wm.add(late, Date.parse(late.ts), 0, out)).toBe('lookup');
    wm.restore('site-a', 'inv-1', T0, null);
    const before = out.length;
    expect(wm.add(late, Date.parse(late.ts), 0, out)).toBe('added');
    expect(out.length).toBe(before + 1);
    expect(out.at(-1)?.correction).toBe(false);
  });
});

describe('energy across window boundaries (energyAcrossBoundaries)', () => {
  const ACROSS = { ...OPTS, energyAcrossBoundaries: true };
  const sumEnergy = (results: WindowResult[]) =>
    [...finalView(results).values()].reduce((s, r) => s + (r.energyWh ?? 0), 0);

  it('every Wh of the counter lands in exactly one window, the straddling interval in the later one', () => {
    const rs = every10s('inv-1', T0 + 5000, 200); // readings at :05, :15 …: no reading on a boundary
    const { results, wm } = run(rs, ACROSS);
    const out: WindowEmit[] = [];
    wm.tick(Number.MAX_SAFE_INTEGER, out);
    const all = [
      ...results,
      ...out.map((e) => windowResult(e.dev.site, e.dev.device, e.acc, wm.options.sizeMs, 10_000)),
    ];
    const counter = (r: Reading) => r.metrics.ac_energy_wh as number;
    expect(sumEnergy(all)).toBe(counter(rs.at(-1)!) - counter(rs[0]!));
    // The first window has no reading before it; each later one carries one 10 s interval.
    expect(all[0]?.energyWh).toBe(29);
    expect(all[1]?.energyWh).toBe(30);
  });

  it('a late reading inside a carried interval corrects both windows and keeps the total', () => {
    const rs = every10s('inv-1', T0 + 5000, 80);
    const late = rs.splice(29, 1)[0]!; // ts 04:55, the last reading of window 0
    const { results, wm } = run(rs, ACROSS);
    const out: WindowEmit[] = [];
    wm.add(late, Date.parse(late.ts), 1, out);
    expect(out.map((e) => [e.acc.start - T0, e.correction])).toEqual([
      [0, true],
      [5 * MIN, true],
    ]);
    const corrected = out.map((e) => windowResult(e.dev.site, e.dev.device, e.acc, wm.options.sizeMs, 10_000));
    expect(corrected.map((r) => r.energyWh)).toEqual([29, 30]);
    const before = finalView(results);
    expect(before.get(`inv-1@${T0}`)?.energyWh).toBe(28);
    expect(before.get(`inv-1@${T0 + 5 * MIN}`)?.energyWh).toBe(31);
  });

  it('off (the default): a window counts only the deltas between its own readings', () => {
    const { results } = run(every10s('inv-1', T0 + 5000, 80));
    expect(results.map((r) => r.energyWh)).toEqual([29, 29]);
  });
});
