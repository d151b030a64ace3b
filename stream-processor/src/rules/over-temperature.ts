import { EVENT_BITS } from '@ysh/common';
import type { DeviceRule, RuleCommon } from './types.ts';
import { round } from './types.ts';

export interface OverTemperatureParams extends RuleCommon {
  /** Mean cabinet temperature above this is bad on its own. */
  maxTemperatureC: number;
  /** Derating: throttled (St=5) for at least `deratingShare` of the window while above this. */
  deratingTemperatureC: number;
  deratingShare: number;
}

/** Sustained over-temperature or thermal derating (held N windows by the hysteresis). */
export const overTemperature: DeviceRule<OverTemperatureParams> = {
  name: 'over_temperature',
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
};
