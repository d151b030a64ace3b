import type { Static } from '@sinclair/typebox';
import { EVENT_BITS } from '@ysh/common';
import { deviceRule, num, round, windowRuleParams } from './types.ts';

const params = windowRuleParams(
  { severity: 'warning', openAfter: 3, resolveAfter: 2, cooldownMs: 15 * 60_000 },
  {
    maxTemperatureC: num(75, 'Mean cabinet temperature above this is bad on its own.'),
    deratingTemperatureC: num(
      65,
      'Derating: throttled (St=5) for at least `deratingShare` of the window while above this.',
    ),
    deratingShare: num(0.5, 'Share of the window throttled that counts as derating.'),
  },
);
export type OverTemperatureParams = Static<typeof params>;

/** Sustained over-temperature or thermal derating (held N windows by the hysteresis). */
export const overTemperature = deviceRule({
  name: 'over_temperature',
  params,
  order: 20,
  explainsPeers: true,
  evaluate(r, p) {
    const t = r.stats.temperature_c;
    const overTempBit = (r.eventsMask & (1 << EVENT_BITS.OVER_TEMP)) !== 0;
    if (!t && !overTempBit) return { verdict: null };
    const mean = t ? t.mean : Number.NaN;
    const derating =
      t !== null && r.samples > 0 && r.throttledSamples / r.samples >= p.deratingShare && mean > p.deratingTemperatureC;
    const bad = overTempBit || mean > p.maxTemperatureC || derating;
    const why = overTempBit
      ? 'OVER_TEMP event'
      : derating
        ? 'derating (throttled while hot)'
        : 'mean cabinet temperature';
    return {
      verdict: {
        bad,
        value: Number.isNaN(mean) ? undefined : round(mean, 1),
        threshold: p.maxTemperatureC,
        message: bad
          ? `${why}: ${round(mean, 1)} °C (limit ${p.maxTemperatureC} °C)`
          : `temperature ${round(mean, 1)} °C`,
      },
    };
  },
});
