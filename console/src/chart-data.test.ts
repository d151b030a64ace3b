import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mpptFields, rangeOf, toColumns } from './chart-data.ts';

describe('toColumns', () => {
  it('turns {t, values} points into uPlot columns in seconds, scaled, sorted, with gaps as null', () => {
    const cols = toColumns(
      [
        { t: '2026-11-21T13:10:00Z', values: { acPowerW: 4000, dcPowerW: 4200 } },
        { t: '2026-11-21T13:05:00Z', values: { acPowerW: 4520.5, dcPowerW: null } },
        { t: 'garbage', values: { acPowerW: 1 } },
      ],
      ['acPowerW', 'dcPowerW'],
      1 / 1000,
    );
    expect(cols[0]).toEqual([Date.parse('2026-11-21T13:05:00Z') / 1000, Date.parse('2026-11-21T13:10:00Z') / 1000]);
    expect(cols[1]).toEqual([4.5205, 4]);
    expect(cols[2]).toEqual([null, 4.2]);
  });

  it('property: columns all have the length of the time axis, which is strictly increasing', () => {
    const point = fc.record({
      t: fc.oneof(
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        fc.string(),
      ),
      values: fc.dictionary(fc.constantFrom('acPowerW', 'x'), fc.oneof(fc.double(), fc.constant(null))),
    });
    fc.assert(
      fc.property(fc.array(point, { maxLength: 50 }), (points) => {
        const [xs, ...cols] = toColumns(points as never, ['acPowerW', 'x']);
        for (const c of cols) expect(c).toHaveLength(xs.length);
        for (let i = 1; i < xs.length; i++) expect(xs[i]).toBeGreaterThan(xs[i - 1] as number);
        for (const c of cols) for (const v of c) expect(v === null || Number.isFinite(v)).toBe(true);
      }),
    );
  });
});

describe('mpptFields and rangeOf', () => {
  it('finds MPPT inputs in numeric order (mppt10 after mppt2)', () => {
    expect(
      mpptFields([
        { t: 'x', values: { mppt10PowerW: 1, mppt2PowerW: 2, mppt2VoltageV: 3, acPowerW: 4, mppt1PowerW: 5 } },
      ]),
    ).toEqual(['mppt1PowerW', 'mppt2PowerW', 'mppt10PowerW']);
  });

  it('gives the preset periods ending now and a valid custom one, else 24 h', () => {
    const now = Date.parse('2026-11-21T13:00:00Z');
    expect(rangeOf('7d', now)).toEqual({ from: '2026-11-14T13:00:00.000Z', to: '2026-11-21T13:00:00.000Z' });
    expect(rangeOf('custom', now, { from: '2026-11-01T00:00Z', to: '2026-11-02T00:00Z' })).toEqual({
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-11-02T00:00:00.000Z',
    });
    // reversed custom range: falls back to the last 24 h
    expect(rangeOf('custom', now, { from: '2026-11-02T00:00Z', to: '2026-11-01T00:00Z' }).from).toBe(
      '2026-11-20T13:00:00.000Z',
    );
  });
});
