/**
 * City/UF → coordinates for quotes that give a city instead of lat/lon. `Geocoder` is the plug:
 * the default is OpenStreetMap Nominatim's search API (structured query
 * `search?city=…&state=<state name>&country=Brazil&format=jsonv2&limit=1`); another provider
 * implements the same two members. Nominatim's usage policy asks for an identifying User-Agent and
 * at most one request per second, so requests to one host are spaced by `minIntervalMs` across
 * the process, and location.ts caches every city found so each is asked once.
 *
 * A geocoder never throws for a city it cannot place: it answers `not-found` (no match, or a match
 * outside Brazil) or `unavailable` (network error, 429/5xx after the retries, a refusal), and the
 * quote then fails with one field error on `location`.
 */
import { retryingGet } from './http-get.ts';

export const NOMINATIM_URL = 'https://nominatim.openstreetmap.org/search';
export const GEOCODER_USER_AGENT = 'ysh-telemetry-propostas/0.1 (solar PV proposals; each city looked up once, cached)';

/** The 27 UFs and the state names Nominatim knows them by. */
export const UF_NAMES: Readonly<Record<string, string>> = {
  AC: 'Acre',
  AL: 'Alagoas',
  AP: 'Amapá',
  AM: 'Amazonas',
  BA: 'Bahia',
  CE: 'Ceará',
  DF: 'Distrito Federal',
  ES: 'Espírito Santo',
  GO: 'Goiás',
  MA: 'Maranhão',
  MT: 'Mato Grosso',
  MS: 'Mato Grosso do Sul',
  MG: 'Minas Gerais',
  PA: 'Pará',
  PB: 'Paraíba',
  PR: 'Paraná',
  PE: 'Pernambuco',
  PI: 'Piauí',
  RJ: 'Rio de Janeiro',
  RN: 'Rio Grande do Norte',
  RS: 'Rio Grande do Sul',
  RO: 'Rondônia',
  RR: 'Roraima',
  SC: 'Santa Catarina',
  SP: 'São Paulo',
  SE: 'Sergipe',
  TO: 'Tocantins',
};

export type GeocodeResult =
  | { status: 'found'; lat: number; lon: number; label: string }
  | { status: 'not-found'; reason: string }
  | { status: 'unavailable'; reason: string };

export interface Geocoder {
  /** recorded as the quote's `location.source` with the coordinates it found */
  readonly source: string;
  geocode(city: string, uf: string): Promise<GeocodeResult>;
}

export interface NominatimOptions {
  baseUrl?: string;
  userAgent?: string;
  retries?: number;
  retryBaseMs?: number;
  timeoutMs?: number;
  /** spacing of requests to one host (the usage policy's 1 request/second) */
  minIntervalMs?: number;
  fetch?: typeof fetch;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** host → when the latest request to it leaves (chained, so each waits for the one before it) */
const lastDeparture = new Map<string, Promise<number>>();

/** Resolves when a request to `host` may leave: `intervalMs` after the previous one actually left. */
function waitTurn(host: string, intervalMs: number): Promise<number> {
  if (intervalMs <= 0) return Promise.resolve(Date.now());
  const turn = (lastDeparture.get(host) ?? Promise.resolve(0)).then(async (previous) => {
    const wait = previous + intervalMs - Date.now();
    if (wait > 0) await sleep(wait);
    return Date.now();
  });
  lastDeparture.set(host, turn);
  return turn;
}

/** Brazil's extent, as the quote schema bounds lat/lon. */
const inBrazil = (lat: number, lon: number) => lat >= -34 && lat <= 6 && lon >= -74 && lon <= -28;

export function nominatimGeocoder(o: NominatimOptions = {}): Geocoder {
  const retries = o.retries ?? 2;
  return {
    source: 'nominatim',
    async geocode(city, uf) {
      const state = UF_NAMES[uf];
      if (!state) return { status: 'not-found', reason: `UF ${uf} desconhecida` };
      const url = new URL(o.baseUrl ?? NOMINATIM_URL);
      url.searchParams.set('city', city);
      url.searchParams.set('state', state);
      url.searchParams.set('country', 'Brazil');
      url.searchParams.set('format', 'jsonv2');
      url.searchParams.set('limit', '1');
      const got = await retryingGet(url, {
        retries,
        retryBaseMs: o.retryBaseMs,
        timeoutMs: o.timeoutMs ?? 15_000,
        headers: { accept: 'application/json', 'user-agent': o.userAgent ?? GEOCODER_USER_AGENT },
        fetch: o.fetch,
        beforeAttempt: () => waitTurn(url.host, o.minIntervalMs ?? 1000),
      });
      if ('unanswered' in got)
        return {
          status: 'unavailable',
          reason: `Nominatim não respondeu após ${got.attempts} tentativa${got.attempts > 1 ? 's' : ''}: ${got.unanswered}`,
        };
      const res = got.answered;
      if (!res.ok) {
        await res.body?.cancel();
        return { status: 'unavailable', reason: `Nominatim recusou a consulta: HTTP ${res.status}` };
      }
      let body: unknown;
      try {
        body = await res.json();
      } catch (err) {
        return {
          status: 'unavailable',
          reason: `Nominatim respondeu algo que não é JSON: ${(err as Error).message}`,
        };
      }
      const hit = Array.isArray(body) ? (body[0] as Record<string, unknown> | undefined) : undefined;
      if (!hit) return { status: 'not-found', reason: 'Nominatim não encontrou a cidade' };
      const lat = Number(hit.lat);
      const lon = Number(hit.lon);
      if (!Number.isFinite(lat) || !Number.isFinite(lon) || !inBrazil(lat, lon))
        return {
          status: 'not-found',
          reason: `Nominatim respondeu um lugar fora do Brasil (${hit.lat}, ${hit.lon})`,
        };
      return { status: 'found', lat, lon, label: String(hit.display_name ?? `${city}, ${state}`) };
    },
  };
}
