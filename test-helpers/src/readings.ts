import fc from 'fast-check';
import { ID_PATTERN, METRICS, type MetricDef, QUALITIES, READING_FLAGS, type Reading } from '@ysh/common';

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

/** Doubles an encoder gets wrong first: signed zero, extremes, subnormals, exponent forms, long fractions. */
const EDGE_DOUBLES = [
  0,
  -0,
  1,
  -1,
  0.1,
  -0.1,
  1 / 3,
  -2 / 3,
  1e-7,
  -1e-7,
  1e21,
  -1e21,
  1e-300,
  Number.MIN_VALUE,
  -Number.MIN_VALUE,
  Number.EPSILON,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  2 ** 53,
  -(2 ** 53),
  2 ** 53 + 2,
  Number.MAX_SAFE_INTEGER,
  -Number.MAX_SAFE_INTEGER,
  2 ** 32,
  2 ** 32 - 1,
  -(2 ** 31),
  4520.5,
  123456789.12345679,
];

/** Any finite number a metric may hold under the contract: floats of every magnitude, negatives, boundaries. */
function wideMetric(def: MetricDef): fc.Arbitrary<number> {
  const min = def.minimum ?? -Number.MAX_VALUE;
  const max = def.maximum ?? Number.MAX_VALUE;
  const fits = (v: number) => v >= min && v <= max && (!def.integer || Number.isInteger(v));
  const edges = [...EDGE_DOUBLES, min, max].filter(fits);
  if (def.integer) {
    const safeMin = Math.max(min, Number.MIN_SAFE_INTEGER);
    const safeMax = Math.min(max, Number.MAX_SAFE_INTEGER);
    const ints = [
      fc.constantFrom(...edges, safeMin, safeMax, safeMin + 1, safeMax - 1),
      fc.integer({ min: Math.max(safeMin, -(2 ** 31)), max: Math.min(safeMax, 2 ** 31 - 1) }),
      fc.integer({ min: safeMin, max: safeMax }),
    ];
    // Integer-valued doubles past 2^53 are integers to JSON Schema too (a counter with no maximum).
    if (max > 2 ** 53) ints.push(fc.double({ min: 2 ** 53, max, noNaN: true }).map(Math.trunc));
    return fc.oneof(...ints);
  }
  return fc.oneof(
    fc.constantFrom(...edges),
    fc.double({ min, max, noNaN: true, noDefaultInfinity: true }),
    fc.double({ min: Math.max(min, -1e6), max: Math.min(max, 1e6), noNaN: true }),
    fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31 - 1) }),
  );
}

/** An ISO 8601 date-time with zone as the contract accepts it: Z or ±hh:mm, no or 1-9 fractional digits. */
function isoTimestamp(from: number, to: number): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.integer({ min: from, max: to }),
      fc.oneof(
        fc.constant(0),
        fc.integer({ min: -12 * 4, max: 14 * 4 }).map((q) => q * 15),
      ),
      fc.boolean(),
      fc.integer({ min: 0, max: 9 }),
    )
    .map(([t, offsetMin, z, digits]) => {
      // Never later than `to` in the instant it names: round the fraction down.
      const local = new Date(t + offsetMin * 60_000).toISOString();
      const ms = local.slice(20, 23);
      const fraction = digits === 0 ? '' : `.${(ms + '000000').slice(0, digits)}`;
      const abs = Math.abs(offsetMin);
      const zone =
        offsetMin === 0 && z
          ? 'Z'
          : `${offsetMin < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
      return `${local.slice(0, 19)}${fraction}${zone}`;
    });
}

/**
 * Valid contract v1 readings over the whole contract, not only plausible ones: every metric (MPPT inputs
 * 1-16 included) at any finite value it allows, seq up to 2^53-1, ids up to 64 characters, time zones and
 * fractions of every accepted form, flags. For round-trip and parser properties; `arbReading` stays within
 * physical ranges for aggregation.
 */
export function arbWideReading(now = Date.now()): fc.Arbitrary<Reading> {
  const named = Object.fromEntries(
    Object.entries(METRICS).map(([name, def]) => [name, wideMetric(def as MetricDef)]),
  ) as Record<string, fc.Arbitrary<number>>;
  const mpptName = fc
    .tuple(fc.integer({ min: 1, max: 16 }), fc.constantFrom('power_w', 'voltage_v', 'current_a'))
    .map(([i, q]) => `mppt${i}_dc_${q}`);
  const metrics = fc
    .tuple(
      fc.record(named, { requiredKeys: [] }),
      fc.dictionary(mpptName, wideMetric({ unit: 'W', description: 'MPPT input' }), { maxKeys: 48 }),
    )
    .map(([a, b]) => ({ ...b, ...a }));
  const wideId = fc.stringMatching(new RegExp(ID_PATTERN));
  return fc.record(
    {
      v: fc.constant(1 as const),
      site: wideId,
      device: wideId,
      ts: isoTimestamp(Date.parse('2000-01-01T00:00:00Z'), now),
      seq: fc.oneof(fc.constantFrom(0, 1, Number.MAX_SAFE_INTEGER), fc.maxSafeNat()),
      metrics,
      quality: fc.constantFrom(...QUALITIES),
      flags: fc.uniqueArray(fc.constantFrom(...READING_FLAGS), { maxLength: READING_FLAGS.length }),
    },
    { requiredKeys: ['v', 'site', 'device', 'ts', 'seq', 'metrics', 'quality'] },
  ) as fc.Arbitrary<Reading>;
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
