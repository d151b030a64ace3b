import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { JobsError } from '../errors.ts';
import { parseQuote, quoteCoordinates, quoteErrorFields, quoteErrors } from './quote.ts';

const example = JSON.parse(readFileSync(new URL('../../../examples/quote-b1.json', import.meta.url), 'utf8'));

describe('quote validation: one error per field', () => {
  it('a failed union names the field inside the branch the value was meant for', () => {
    const bad = {
      ...example,
      consumption: { monthlyKwh: [520, 510, 'abc', 470, 430, 400, 390, 410, 440, 480, 500, 530] },
      price: { brlPerWp: 'caro' },
      financing: { monthlyRate: 0.0149 },
      irradiance: { source: 'nasa' },
    };
    expect(quoteErrors(bad)).toEqual([
      '/consumption/monthlyKwh/2: Expected number',
      '/price/brlPerWp: Expected number',
      '/financing/months: Expected required property (missing)',
      '/irradiance/source: expected one of "quote", "nasa-power", "fleet"',
    ]);
  });

  it('a union no branch of which fits lists what it accepts', () => {
    expect(quoteErrors({ ...example, consumption: {}, connection: 'quad', financing: 'a vista' })).toEqual([
      '/connection: expected one of "mono", "bi", "tri"',
      '/consumption: expected one of {monthlyKwh}, {averageKwh}',
      '/financing: expected one of "cash", {monthlyRate, months, downPaymentBrl?}',
    ]);
  });

  it('location: lat/lon, or a city; neither is one error on location, half a pair one on the missing half', () => {
    const { lat: _a, lon: _b, ...cityOnly } = example.location;
    expect(quoteErrors({ ...example, location: cityOnly })).toEqual([]);
    expect(quoteErrors({ ...example, location: { city: 'Belo Horizonte', uf: 'MG' } })).toEqual([]);
    expect(quoteErrors({ ...example, location: {} })).toEqual([
      '/location: sem coordenadas: informe lat/lon ou a cidade (city) para localizá-la',
    ]);
    expect(quoteErrors({ ...example, location: { city: '  ' } })).toHaveLength(1);
    expect(quoteErrors({ ...example, location: { lat: -19.9 } })).toEqual([
      '/location/lon: lat sem lon: informe os dois (missing)',
    ]);
    // reported beside the other errors, not after them
    expect(quoteErrors({ ...example, uf: 'mg', location: {} })).toEqual([
      "/uf: Expected string to match '^[A-Z]{2}$'",
      '/location: sem coordenadas: informe lat/lon ou a cidade (city) para localizá-la',
    ]);
    expect(quoteErrors({ ...example, location: { ...example.location, uf: 'Minas' } })[0]).toMatch(/^\/location\/uf:/);
  });

  it('a quote not yet located has no coordinates: a field error, not a NaN', () => {
    const q = parseQuote({ ...example, location: { city: 'Belo Horizonte' } });
    const err = (() => {
      try {
        quoteCoordinates(q);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(JobsError);
    expect((err as JobsError).code).toBe('JOBS_QUOTE_INVALID');
    expect(quoteErrorFields(err as JobsError)).toEqual([
      { path: '/location', message: 'sem coordenadas: a cidade ainda não foi localizada; informe lat/lon' },
    ]);
    expect(quoteCoordinates(parseQuote(example))).toEqual({ lat: -19.92, lon: -43.94 });
  });
});
