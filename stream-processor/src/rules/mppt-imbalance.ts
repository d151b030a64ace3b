import type { Static } from '@sinclair/typebox';
import { deviceRule, num, round, windowRuleParams } from './types.ts';

const params = windowRuleParams(
  { severity: 'warning', openAfter: 3, resolveAfter: 3, cooldownMs: 30 * 60_000 },
  {
    maxDeviation: num(0.3, 'Bad when the weakest input gives less than (1 − maxDeviation) of the strongest.'),
    minInputPowerW: num(200, 'Only judged when the strongest input makes at least this much (daylight).'),
  },
);
export type MpptImbalanceParams = Static<typeof params>;

/** String/MPPT imbalance from `mpptN_dc_power_w` window means. */
export const mpptImbalance = deviceRule({
  name: 'mppt_imbalance',
  params,
  order: 30,
  explainsPeers: true,
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
});
