/**
 * Gives a quote its coordinates before the proposal is made. A quote with lat/lon keeps them
 * (`location.source: 'quote'`); a quote with only a city (and the quote's UF, or `location.uf`) is
 * located by the geocoder, through the cache table `propostas_geocode` (migration 0450): a city
 * found once is never asked again, whatever its spelling of case and accents. A city the geocoder
 * cannot place — or a geocoder that cannot be reached — is one field error on `location`
 * (JOBS_QUOTE_INVALID), never a crash; only cities found are cached.
 */
import type { Queryable } from '@ysh/common/db';
import { foldKey } from '../parsing/numbers.ts';
import type { Geocoder } from './geocoder.ts';
import { invalidQuote, type Quote } from './quote.ts';

export interface CachedCity {
  lat: number;
  lon: number;
  source: string;
  label: string | null;
}

export async function cachedCity(db: Queryable, city: string, uf: string): Promise<CachedCity | undefined> {
  const { rows } = await db.query<CachedCity>(
    'SELECT lat, lon, source, label FROM propostas_geocode WHERE uf = $1 AND city_key = $2',
    [uf, foldKey(city)],
  );
  return rows[0];
}

export async function locateQuote(db: Queryable, q: Quote, geocoder: Geocoder): Promise<Quote> {
  const loc = q.location;
  if (loc.lat !== undefined && loc.lon !== undefined)
    return { ...q, location: { ...loc, source: loc.source ?? 'quote' } };
  const city = (loc.city ?? '').trim();
  const uf = loc.uf ?? q.uf;
  const located = (lat: number, lon: number, source: string): Quote => ({
    ...q,
    location: { ...loc, city, uf, lat, lon, source },
  });
  const hit = await cachedCity(db, city, uf);
  if (hit) return located(hit.lat, hit.lon, hit.source);
  const r = await geocoder.geocode(city, uf);
  if (r.status !== 'found')
    throw invalidQuote([
      {
        path: '/location',
        message: `cidade "${city}/${uf}" não encontrada; informe lat/lon${r.status === 'unavailable' ? ` (${r.reason})` : ''}`,
      },
    ]);
  await db.query(
    `INSERT INTO propostas_geocode (uf, city_key, city, lat, lon, source, label) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (uf, city_key) DO NOTHING`,
    [uf, foldKey(city), city, r.lat, r.lon, geocoder.source, r.label],
  );
  return located(r.lat, r.lon, geocoder.source);
}
