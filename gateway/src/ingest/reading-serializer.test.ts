import { createContractValidator, type Reading } from '@ysh/common';
import { arbWideReading, sampleReading } from '@ysh/test-helpers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { serializeReading } from './reading-serializer.ts';

/** What a consumer of the Kafka message gets back, compared with what JSON.stringify would have given it. */
function sameAsJson(r: Reading): void {
  expect(JSON.parse(serializeReading(r))).toEqual(JSON.parse(JSON.stringify(r)));
}

describe('serializeReading', () => {
  const validator = createContractValidator();

  it('round-trips every valid reading exactly as JSON.stringify would (key order aside)', () => {
    fc.assert(
      fc.property(arbWideReading(), (r) => {
        // The generator makes valid readings only: the serializer is never given anything else.
        expect(validator.reading(r)).toEqual({ ok: true, value: r });
        sameAsJson(r);
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps floats, negatives, huge and tiny values and the integer boundaries exactly', () => {
    const r = sampleReading({
      seq: Number.MAX_SAFE_INTEGER,
      flags: ['counter_reset', 'clock_jump'],
      ts: '2026-03-01T12:00:00.123456789-03:00',
      metrics: {
        ac_power_w: -1234.5678901234567,
        ac_energy_wh: 2 ** 53 + 2,
        ac_current_a: 5e-324,
        ac_voltage_v: Number.MAX_VALUE,
        ac_frequency_hz: 0,
        dc_power_w: -Number.MAX_VALUE,
        dc_voltage_v: 1e21,
        dc_current_a: -1e-7,
        temperature_c: -40.05,
        heatsink_temperature_c: 0.1 + 0.2,
        operating_state: 8,
        events: 0xffffffff,
        mppt16_dc_current_a: 123456789.12345679,
        mppt1_dc_power_w: -(2 ** 31),
      },
    });
    expect(validator.reading(r).ok).toBe(true);
    sameAsJson(r);
    const back = JSON.parse(serializeReading(r)) as Reading;
    expect(back.metrics.heatsink_temperature_c).toBe(0.30000000000000004);
    expect(back.metrics.ac_current_a).toBe(5e-324);
    expect(back.seq).toBe(9007199254740991);
  });
});
