import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbReading, sampleReading } from '@ysh/test-helpers';
import { createContractValidator } from './validate.ts';

const NOW = Date.parse('2026-11-21T13:00:00Z');
const validator = createContractValidator({ now: () => NOW, maxFutureSkewMs: 60_000, maxBatchReadings: 10 });
const good = () => sampleReading({ ts: '2026-11-21T12:55:00.000Z' });

function rejected(value: unknown): string {
  const r = validator.reading(value);
  if (r.ok) throw new Error('expected a rejection');
  return r.error;
}

describe('reading validation', () => {
  it('accepts a valid reading, with per-MPPT metrics and flags', () => {
    expect(validator.reading(good()).ok).toBe(true);
    const withMppt = {
      ...good(),
      metrics: { ...good().metrics, mppt1_dc_power_w: 1200, mppt12_dc_voltage_v: 410 },
      flags: ['clock_jump'],
    };
    expect(validator.reading(withMppt)).toEqual({ ok: true, value: withMppt });
  });

  it('names a missing field', () => {
    const { seq: _seq, ...noSeq } = good();
    expect(rejected(noSeq)).toBe('seq: is required');
    const { metrics: _m, ...noMetrics } = good();
    expect(rejected(noMetrics)).toBe('metrics: is required');
  });

  it('names a field of the wrong type', () => {
    expect(rejected({ ...good(), device: 7 })).toBe('device: must be of type string');
    expect(rejected({ ...good(), metrics: { ac_power_w: '4520' } })).toBe('metrics.ac_power_w: must be of type number');
    expect(rejected({ ...good(), quality: 'great' })).toBe('quality: must be one of good, degraded, suspect');
  });

  it('rejects NaN and Infinity', () => {
    expect(rejected({ ...good(), metrics: { ac_power_w: Number.NaN } })).toMatch(/^metrics\.ac_power_w: /);
    expect(rejected({ ...good(), metrics: { dc_voltage_v: Number.POSITIVE_INFINITY } })).toMatch(
      /^metrics\.dc_voltage_v: /,
    );
    expect(rejected({ ...good(), metrics: { mppt2_dc_power_w: Number.NEGATIVE_INFINITY } })).toMatch(
      /^metrics\.mppt2_dc_power_w: /,
    );
  });

  it('rejects a negative or non-integer energy counter', () => {
    expect(rejected({ ...good(), metrics: { ac_energy_wh: -1 } })).toBe('metrics.ac_energy_wh: must be >= 0');
    expect(rejected({ ...good(), metrics: { ac_energy_wh: 10.5 } })).toBe('metrics.ac_energy_wh: must be an integer');
  });

  it('rejects an unknown metric name', () => {
    expect(rejected({ ...good(), metrics: { ac_power_kw: 4.5 } })).toBe(
      'metrics.ac_power_kw: is not a known metric name',
    );
    expect(rejected({ ...good(), metrics: { mppt17_dc_power_w: 1 } })).toBe(
      'metrics.mppt17_dc_power_w: is not a known metric name',
    );
  });

  it('rejects an unparseable ts or one too far in the future', () => {
    expect(rejected({ ...good(), ts: 'yesterday at noon, roughly' })).toMatch(
      /^ts: must be an ISO 8601 date-time with zone/,
    );
    expect(rejected({ ...good(), ts: '2026-11-21T12:55:00' })).toMatch(/^ts: /);
    expect(rejected({ ...good(), ts: '2026-13-45T12:55:00.000Z' })).toMatch(/^ts: is not a valid date/);
    expect(rejected({ ...good(), ts: '2026-11-21T13:05:00.000Z' })).toBe('ts: is 300 s in the future (allowed 60 s)');
    expect(validator.reading({ ...good(), ts: '2026-11-21T13:00:30.000Z' }).ok).toBe(true);
  });

  it('rejects a seq that is not a non-negative integer', () => {
    expect(rejected({ ...good(), seq: -1 })).toBe('seq: must be >= 0');
    expect(rejected({ ...good(), seq: 1.5 })).toBe('seq: must be an integer');
    expect(rejected({ ...good(), seq: '12' })).toBe('seq: must be an integer');
  });

  it('rejects an unknown top-level field and a wrong contract version', () => {
    expect(rejected({ ...good(), extra: 1 })).toBe('extra: is not a known field');
    expect(rejected({ ...good(), v: 2 })).toBe('v: must be 1');
  });
});

describe('batch validation', () => {
  const envelope = (readings: unknown[]) => ({
    v: 1,
    batchId: '0b6f8f0e-7a44-4d38-9a36-3c1d2f6f8a01',
    site: 'site-sp-001',
    readings,
  });

  it('validates readings one by one, keeping good ones next to bad ones', () => {
    const result = validator.batch(
      envelope([good(), { ...good(), seq: -5 }, { ...good(), site: 'site-rj-002' }, 'junk']),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.readings.map((r) => (r.ok ? 'ok' : r.error))).toEqual([
      'ok',
      'seq: must be >= 0',
      'site: reading is for site "site-rj-002", the batch for "site-sp-001"',
      '(root): must be of type object',
    ]);
  });

  it('rejects an oversized batch and a bad envelope with the field named', () => {
    expect(validator.batch(envelope(Array.from({ length: 11 }, good)))).toEqual({
      ok: false,
      error: 'readings: has 11 readings, more than the 10 allowed in one batch',
    });
    expect(validator.batch({ ...envelope([]), batchId: 'not-a-uuid' })).toEqual({
      ok: false,
      error: 'batchId: must match format "uuid"',
    });
    expect(validator.batch({ ...envelope([]), readings: {} })).toEqual({
      ok: false,
      error: 'readings: must be of type array',
    });
  });
});

describe('properties', () => {
  const live = createContractValidator();

  it('never throws on arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(() => live.reading(value)).not.toThrow();
        expect(() => live.batch(value)).not.toThrow();
        expect(() => live.alert(value)).not.toThrow();
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on arbitrary values shaped like readings', () => {
    const shaped = fc.record({
      v: fc.anything(),
      site: fc.anything(),
      device: fc.anything(),
      ts: fc.anything(),
      seq: fc.anything(),
      metrics: fc.dictionary(fc.string(), fc.anything()),
      quality: fc.anything(),
    });
    fc.assert(
      fc.property(shaped, (value) => {
        expect(() => live.reading(value)).not.toThrow();
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts everything the reading generator produces', () => {
    fc.assert(
      fc.property(arbReading(), (reading) => {
        const result = live.reading(reading);
        expect(result).toEqual({ ok: true, value: reading });
      }),
      { numRuns: 2000 },
    );
  });
});
