import { readFileSync } from 'node:fs';
import { DATABASE_KINDS, type TestDatabase } from '@ysh/test-helpers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PropostasConfig } from './config.ts';
import { cachedCity } from './location.ts';
import { makeProposal } from './make.ts';
import { parseQuote } from './quote.ts';
import { getProposal } from './store.ts';
import { type GeoStandIns, standInConfig, startGeoStandIns } from './testing/geo-stand-ins.ts';

const example = JSON.parse(readFileSync(new URL('../../../examples/quote-b1.json', import.meta.url), 'utf8'));
const cityQuote = (id: string, city: string, uf = 'MG') => ({ ...example, id, uf, location: { city } });

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.enabled)(`quotes located by city on ${kind.kind}`, () => {
    let db: TestDatabase;
    let s: GeoStandIns;
    let config: PropostasConfig;
    const make = (input: unknown, c = config) =>
      makeProposal(db.pool, parseQuote(input), { config: c, origin: 'test', today: '2026-12-01' });
    beforeAll(async () => {
      db = await kind.open();
      s = await startGeoStandIns();
      config = standInConfig(s);
    }, 120_000);
    afterAll(async () => {
      await s?.close();
      await db?.close();
    });

    it('a city-only quote gets the geocoder’s coordinates, recorded with their source, and the city is cached', async () => {
      s.nominatim.length = 0;
      const p = await make(cityQuote('bh-1', 'Belo Horizonte'));
      expect(s.nominatim).toHaveLength(1);
      expect(s.nominatim[0]?.query).toMatchObject({ city: 'Belo Horizonte', state: 'Minas Gerais' });
      expect(p.quote.location).toEqual({
        city: 'Belo Horizonte',
        uf: 'MG',
        lat: -19.9227318,
        lon: -43.9450948,
        source: 'nominatim',
      });
      const stored = await getProposal(db.pool, 'bh-1');
      expect(stored.quote.location.source).toBe('nominatim');
      expect(await cachedCity(db.pool, 'Belo Horizonte', 'MG')).toMatchObject({
        lat: -19.9227318,
        lon: -43.9450948,
        source: 'nominatim',
      });
    }, 60_000);

    it('a second quote for the same city (any case or accents) asks nothing', async () => {
      s.nominatim.length = 0;
      const p = await make(cityQuote('bh-2', 'belo horizonte'));
      const q = await make(cityQuote('bh-3', 'BELO HORIZONTE'));
      expect(s.nominatim).toHaveLength(0);
      expect([p.quote.location.lat, q.quote.location.lon]).toEqual([-19.9227318, -43.9450948]);
    }, 60_000);

    it('a quote with lat/lon asks nothing and says the coordinates are its own', async () => {
      s.nominatim.length = 0;
      const p = await make({ ...example, id: 'bh-given' });
      expect(s.nominatim).toHaveLength(0);
      expect(p.quote.location).toEqual({ ...example.location, source: 'quote' });
    }, 60_000);

    it('a city not found is one field error on location, and no proposal', async () => {
      const err = await make(cityQuote('nowhere', 'Xyzópolis')).catch((e) => e);
      expect(err.code).toBe('JOBS_QUOTE_INVALID');
      expect(err.details.errors).toEqual(['/location: cidade "Xyzópolis/MG" não encontrada; informe lat/lon']);
      expect((await db.pool.query(`SELECT 1 FROM propostas WHERE id = 'nowhere'`)).rowCount).toBe(0);
    }, 60_000);

    it('an unreachable geocoder is the same field error with the reason, and nothing is cached', async () => {
      s.nominatim.length = 0;
      s.fail('nominatim', 1, 503);
      const err = await make(cityQuote('cwb-1', 'Curitiba', 'PR')).catch((e) => e);
      expect(err.code).toBe('JOBS_QUOTE_INVALID');
      expect(err.details.errors).toEqual([
        '/location: cidade "Curitiba/PR" não encontrada; informe lat/lon (Nominatim não respondeu após 1 tentativa: HTTP 503)',
      ]);
      expect(await cachedCity(db.pool, 'Curitiba', 'PR')).toBeUndefined();
      // once it answers, the city is found and cached
      const p = await make(cityQuote('cwb-1', 'Curitiba', 'PR'));
      expect(p.quote.location.lat).toBe(-25.4295963);
      expect(s.nominatim).toHaveLength(2);
      expect(await cachedCity(db.pool, 'curitiba', 'PR')).toBeDefined();
    }, 60_000);

    it('the irradiation of a located quote is asked at the found coordinates', async () => {
      s.nasa.length = 0;
      const p = await make({ ...cityQuote('bh-nasa', 'Belo Horizonte'), irradiance: { source: 'nasa-power' } });
      expect(s.nasa).toHaveLength(1);
      expect(s.nasa[0]?.query).toMatchObject({ latitude: '-19.9227', longitude: '-43.9451' });
      expect(p.irradiance.source).toContain('NASA POWER');
    }, 60_000);
  });
}
