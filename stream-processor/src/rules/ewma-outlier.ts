import { type Static, Type } from '@sinclair/typebox';
import { int, num, round, statefulDeviceRule, windowRuleParams } from './types.ts';

const params = windowRuleParams(
  { severity: 'info', openAfter: 3, resolveAfter: 3, cooldownMs: 60 * 60_000 },
  {
    alpha: num(0.1, 'Weight of the newest window in the baseline.'),
    zThreshold: num(6, '|z| above this is an outlier.'),
    warmupWindows: int(6, 'Windows in the baseline before the rule judges.'),
    minStd: num(
      0.01,
      "Floor for the baseline's standard deviation (efficiency units), so a very steady inverter is not judged on noise.",
    ),
    minDcPowerW: num(200, 'Only while the DC input makes at least this much.'),
  },
);
export type EwmaOutlierParams = Static<typeof params>;

/** The device's efficiency baseline, checkpointed with the device. */
const EwmaStateSchema = Type.Object({ n: Type.Number(), mean: Type.Number(), variance: Type.Number() });
export type EwmaState = Static<typeof EwmaStateSchema>;

/**
 * Conversion efficiency (AC ÷ DC power) against the device's own EWMA
 * baseline. Efficiency barely moves with the sun, so dawn, dusk and clouds
 * stay quiet while a failing power stage stands out. Outliers do not feed the
 * baseline, so a lasting fault stays visible.
 */
export const ewmaOutlier = statefulDeviceRule({
  name: 'efficiency_outlier',
  params,
  state: EwmaStateSchema,
  order: 50,
  evaluate(r, p, state) {
    const ac = r.stats.ac_power_w;
    const dc = r.stats.dc_power_w;
    if (!ac || !dc || dc.mean < p.minDcPowerW) return { verdict: null, state };
    const x = ac.mean / dc.mean;
    const s: EwmaState = state ? { ...state } : { n: 0, mean: x, variance: 0 };
    const std = Math.max(Math.sqrt(s.variance), p.minStd);
    const z = (x - s.mean) / std;
    const judged = s.n >= p.warmupWindows;
    const bad = judged && Math.abs(z) > p.zThreshold;
    if (!bad) {
      const diff = x - s.mean;
      const incr = p.alpha * diff;
      s.mean += incr;
      s.variance = (1 - p.alpha) * (s.variance + diff * incr);
      s.n += 1;
    }
    if (!judged) return { verdict: null, state: s };
    return {
      verdict: {
        bad,
        value: round(z, 2),
        threshold: p.zThreshold,
        message: `efficiency ${round(x * 100, 1)}% vs baseline ${round(s.mean * 100, 1)}% (z = ${round(z, 2)})`,
      },
      state: s,
    };
  },
});
