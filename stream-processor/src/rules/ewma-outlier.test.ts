import { describe, expect, it } from 'vitest';
import { DAY, during } from '../testing/fault-window.ts';
import { runScripted, summary } from '../testing/run-scripted.ts';
import { solarDay } from '../testing/solar-day.ts';
import { DEFAULT_RULES } from './config.ts';
import { ewmaOutlier, type EwmaState } from './ewma-outlier.ts';
import type { WindowResult } from '../aggregates/window-aggregate.ts';

const devices = ['inv-1', 'inv-2', 'inv-3'];

describe('efficiency_outlier rule (EWMA z-score)', () => {
  it('opens when the conversion efficiency leaves its own baseline, resolves when it returns', () => {
    // Power stage degrades: AC drops to 80% of the usual for the same DC input.
    const lossy = (m: Record<string, number | undefined>) => ({ ...m, ac_power_w: (m.ac_power_w ?? 0) * 0.8 });
    const readings = solarDay({ devices, day: DAY, fromHour: 8, toHour: 15, fault: during('inv-1', 12, 13, lossy) });
    const mine = runScripted(readings, { rules: { specific_yield: { enabled: false } } }).transitions.filter(
      (t) => t.rule === 'efficiency_outlier',
    );
    expect(summary(mine)).toEqual(['open:efficiency_outlier:inv-1', 'resolve:efficiency_outlier:inv-1']);
    expect(Math.abs(mine[0]?.value ?? 0)).toBeGreaterThan(DEFAULT_RULES.efficiency_outlier.zThreshold);
  });

  it('does not judge before the warm-up and keeps outliers out of the baseline', () => {
    const p = { ...DEFAULT_RULES.efficiency_outlier, warmupWindows: 2 };
    const win = (ac: number) =>
      ({ stats: { ac_power_w: { mean: ac }, dc_power_w: { mean: 1000 } } }) as unknown as WindowResult;
    let s: EwmaState | undefined;
    const step = (ac: number) => {
      const r = ewmaOutlier.evaluate(win(ac), p, s);
      s = r.state;
      return r.verdict;
    };
    expect(step(960)).toBeNull();
    expect(step(961)).toBeNull();
    expect(step(962)?.bad).toBe(false);
    const before = s?.mean;
    expect(step(500)?.bad).toBe(true);
    expect(s?.mean).toBe(before);
  });
});
