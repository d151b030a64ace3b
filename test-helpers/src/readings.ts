import fc from 'fast-check';
import { METRICS, type Reading } from '@ysh/common';

const id = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,20}$/);

/** Valid contract v1 readings (ts within the last year, never in the future). */
export function arbReading(now = Date.now()): fc.Arbitrary<Reading> {
  const finite = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
  const metrics = fc.record(
    {
      ac_power_w: finite(-1000, 1e6),
      ac_energy_wh: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      ac_current_a: finite(-1e4, 1e4),
      ac_voltage_v: finite(0, 1e4),
      ac_frequency_hz: finite(0, 100),
      dc_power_w: finite(-1000, 1e6),
      dc_voltage_v: finite(0, 2000),
      dc_current_a: finite(-100, 1000),
      temperature_c: finite(-40, 150),
      heatsink_temperature_c: finite(-40, 150),
      operating_state: fc.integer({ min: METRICS.operating_state.minimum, max: METRICS.operating_state.maximum }),
      events: fc.integer({ min: 0, max: 0xffffffff }),
      mppt1_dc_power_w: finite(0, 1e5),
      mppt16_dc_current_a: finite(0, 100),
    },
    { requiredKeys: [] },
  );
  return fc.record({
    v: fc.constant(1 as const),
    site: id,
    device: id,
    ts: fc.integer({ min: now - 365 * 86_400_000, max: now }).map((t) => new Date(t).toISOString()),
    seq: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    metrics,
    quality: fc.constantFrom('good' as const, 'degraded' as const, 'suspect' as const),
  }) as fc.Arbitrary<Reading>;
}

/** A plain valid reading for examples. */
export function sampleReading(overrides: Partial<Reading> = {}): Reading {
  return {
    v: 1,
    site: 'site-sp-001',
    device: 'inv-0007',
    ts: new Date(Date.now() - 60_000).toISOString(),
    seq: 81234,
    metrics: {
      ac_power_w: 4520.5,
      ac_energy_wh: 18234567,
      dc_power_w: 4710.0,
      dc_voltage_v: 612.3,
      dc_current_a: 7.69,
      ac_voltage_v: 221.4,
      ac_frequency_hz: 60.01,
      temperature_c: 47.2,
      operating_state: 4,
      events: 0,
    },
    quality: 'good',
    ...overrides,
  };
}
