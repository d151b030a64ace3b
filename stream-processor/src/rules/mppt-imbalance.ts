import type { DeviceRule, RuleCommon } from './types.ts';
import { round } from './types.ts';

export interface MpptImbalanceParams extends RuleCommon {
  /** Bad when the weakest input gives less than (1 − maxDeviation) of the strongest. */
  maxDeviation: number;
  /** Only judged when the strongest input makes at least this much (daylight). */
  minInputPowerW: number;
}

/** String/MPPT imbalance from `mpptN_dc_power_w` window means. */
export const mpptImbalance: DeviceRule<MpptImbalanceParams> = {
  name: 'mppt_imbalance',
  evaluate(r, p) {
    const entries = Object.entries(r.mpptPower);
    if (entries.length < 2) return { verdict: null };
    let max = Number.NEGATIVE_INFINITY;
    let min = Number.POSITIVE_INFINITY;
    let weakest = '';
    for (const [index, w] of entries) {
      if (w > max) max = w;
      if (w < min) {
        min = w;
        weakest = index;
      }
    }
    if (max < p.minInputPowerW) return { verdict: null };
    const deviation = 1 - Math.max(0, min) / max;
    const bad = deviation > p.maxDeviation;
    return {
      verdict: {
        bad,
        value: round(deviation),
        threshold: p.maxDeviation,
        message: bad
          ? `MPPT ${weakest} at ${round(min, 0)} W is ${round(deviation * 100, 1)}% below the strongest input (${round(max, 0)} W)`
          : `MPPT inputs within ${round(deviation * 100, 1)}%`,
      },
    };
  },
};
