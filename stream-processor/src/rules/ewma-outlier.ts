import type { DeviceRule, RuleCommon } from './types.ts';
import { round } from './types.ts';

export interface EwmaOutlierParams extends RuleCommon {
  /** Weight of the newest window in the baseline. */
  alpha: number;
  /** |z| above this is an outlier. */
  zThreshold: number;
  /** Windows in the baseline before the rule judges. */
  warmupWindows: number;
  /** Floor for the baseline's standard deviation (efficiency units), so a very steady inverter is not judged on noise. */
  minStd: number;
  /** Only while the DC input makes at least this much. */
  minDcPowerW: number;
}

export interface EwmaState {
  n: number;
  mean: number;
  variance: number;
}

/**
 * Conversion efficiency (AC ÷ DC power) against the device's own EWMA
 * baseline. Efficiency barely moves with the sun, so dawn, dusk and clouds
 * stay quiet while a failing power stage stands out. Outliers do not feed the
 * baseline, so a lasting fault stays visible.
 */
export const ewmaOutlier: DeviceRule<EwmaOutlierParams, EwmaState> = {
  name: 'efficiency_outlier',
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
};
