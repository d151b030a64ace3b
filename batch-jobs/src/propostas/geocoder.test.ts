import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GEOCODER_USER_AGENT, NOMINATIM_URL, nominatimGeocoder, UF_NAMES } from './geocoder.ts';
import { type GeoStandIns, startGeoStandIns } from './testing/geo-stand-ins.ts';

describe('Nominatim geocoder', () => {
  let s: GeoStandIns;
  beforeAll(async () => {
    s = await startGeoStandIns();
  });
  afterAll(() => s.close());
  const client = (o: Parameters<typeof nominatimGeocoder>[0] = {}) =>
    nominatimGeocoder({ baseUrl: s.nominatimUrl, minIntervalMs: 0, retryBaseMs: 5, ...o });

  it('asks the structured search for the city in its state, in Brazil, jsonv2, one result, with a descriptive User-Agent', async () => {
    s.nominatim.length = 0;
    const r = await client({ userAgent: 'ysh-test/1 (contato@example.com)' }).geocode('Belo Horizonte', 'MG');
    expect(s.nominatim).toHaveLength(1);
    const req = s.nominatim[0];
    expect(req?.method).toBe('GET');
    expect(req?.path).toBe('/search');
    expect(req?.query).toEqual({
      city: 'Belo Horizonte',
      state: 'Minas Gerais',
      country: 'Brazil',
      format: 'jsonv2',
      limit: '1',
    });
    expect(req?.userAgent).toBe('ysh-test/1 (contato@example.com)');
    expect(req?.accept).toBe('application/json');
    expect(r).toEqual({
      status: 'found',
      lat: -19.9227318,
      lon: -43.9450948,
      label: 'Belo Horizonte, Região Metropolitana de Belo Horizonte, Minas Gerais, Região Sudeste, Brasil',
    });
  });

  it('the defaults are the real service and a User-Agent that names the application', async () => {
    expect(NOMINATIM_URL).toBe('https://nominatim.openstreetmap.org/search');
    s.nominatim.length = 0;
    await client().geocode('Curitiba', 'PR');
    expect(s.nominatim[0]?.userAgent).toBe(GEOCODER_USER_AGENT);
    expect(GEOCODER_USER_AGENT).toMatch(/^ysh-telemetry/);
    expect(s.nominatim[0]?.query.state).toBe('Paraná');
    expect(Object.keys(UF_NAMES)).toHaveLength(27);
  });

  it('retries a 503, then answers', async () => {
    s.nominatim.length = 0;
    s.fail('nominatim', 1);
    const r = await client({ retries: 2 }).geocode('Curitiba', 'PR');
    expect(s.nominatim).toHaveLength(2);
    expect(r.status).toBe('found');
  });

  it('unreachable after the retries, or refusing, is "unavailable" with the reason — never a throw', async () => {
    s.nominatim.length = 0;
    s.fail('nominatim', 5, 503);
    const r = await client({ retries: 1 }).geocode('Curitiba', 'PR');
    expect(s.nominatim).toHaveLength(2);
    expect(r).toEqual({ status: 'unavailable', reason: 'Nominatim não respondeu após 2 tentativas: HTTP 503' });
    s.fail('nominatim', 1, 403);
    expect(await client({ retries: 3 }).geocode('Curitiba', 'PR')).toEqual({
      status: 'unavailable',
      reason: 'Nominatim recusou a consulta: HTTP 403',
    });
    s.fail('nominatim', 0);
    const down = await nominatimGeocoder({
      baseUrl: 'http://127.0.0.1:1/search',
      retries: 0,
      minIntervalMs: 0,
    }).geocode('Curitiba', 'PR');
    expect(down.status).toBe('unavailable');
  });

  it('no match, a place outside Brazil or an unknown UF is "not-found"', async () => {
    expect((await client().geocode('Xyzópolis', 'MG')).status).toBe('not-found');
    s.cities.set('Lisboa|São Paulo', { lat: '38.7', lon: '-9.1', display_name: 'Lisboa, Portugal' });
    expect(await client().geocode('Lisboa', 'SP')).toMatchObject({ status: 'not-found' });
    s.nominatim.length = 0;
    expect(await client().geocode('Belo Horizonte', 'XX')).toEqual({
      status: 'not-found',
      reason: 'UF XX desconhecida',
    });
    expect(s.nominatim).toHaveLength(0);
  });

  it('spaces requests to one host by the usage-policy interval, across clients', async () => {
    // departure times, taken where the request leaves (arrival at the stand-in jitters with the load)
    const left: number[] = [];
    const recording: typeof fetch = (input, init) => {
      left.push(performance.now());
      return fetch(input, init);
    };
    const a = nominatimGeocoder({ baseUrl: s.nominatimUrl, minIntervalMs: 300, fetch: recording });
    const b = nominatimGeocoder({ baseUrl: s.nominatimUrl, minIntervalMs: 300, fetch: recording });
    await Promise.all([a.geocode('Curitiba', 'PR'), b.geocode('Belo Horizonte', 'MG'), a.geocode('Curitiba', 'PR')]);
    expect(left).toHaveLength(3);
    expect((left[1] as number) - (left[0] as number)).toBeGreaterThanOrEqual(295);
    expect((left[2] as number) - (left[1] as number)).toBeGreaterThanOrEqual(295);
  });
});
