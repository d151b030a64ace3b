import { createContractValidator, METRIC_NAMES, type Reading } from '@ysh/common';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { serializeReading } from './reading-serializer.ts';

describe('serializeReading', () => {
  it('round-trips every valid reading exactly as JSON.stringify would (key order aside)', () => {
    const validator = createContractValidator();
    const metric = fc.oneof(
      fc.constantFrom(...METRIC_NAMES),
      fc
        .tuple(fc.integer({ min: 1, max: 16 }), fc.constantFrom('power_w', 'voltage_v', 'current_a'))
        .map(([i, q]) => `mppt${i}_dc_${q}`),
    );
    const reading = fc.record({
      v: fc.constant(1),
      site: fc.constantFrom('site-a', 'b.1'),
      device: fc.constantFrom('inv-1', 'x_2'),
      ts: fc
        .date({ min: new Date('2020-01-01'), max: new Date('2026-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString()),
      seq: fc.nat(),
      metrics: fc.dictionary(metric, fc.integer({ min: 1, max: 8 })),
      quality: fc.constantFrom('good', 'degraded', 'suspect'),
      flags: fc.option(
        fc.uniqueArray(fc.constantFrom('device_degraded', 'clock_jump', 'partial_read', 'counter_reset'), {
          maxLength: 4,
        }),
        { nil: undefined },
      ),
    });
    fc.assert(
      fc.property(reading, (r) => {
        const value = JSON.parse(JSON.stringify(r));
        const checked = validator.reading(value);
        fc.pre(checked.ok);
        expect(JSON.parse(serializeReading(value as Reading))).toEqual(value);
      }),
      { numRuns: 300 },
    );
  });
});
