/**
 * Local stand-ins for the two outside services a proposal may ask (neither is reachable here):
 * OpenStreetMap Nominatim's search (`/search`, jsonv2: an array of places with lat/lon as strings)
 * and NASA POWER's monthly climatology (`/api/temporal/climatology/point`). One HTTP server
 * records every request and answers from `cities` / a fixed climatology, or fails as told.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PropostasConfig } from '../config.ts';

export interface SeenRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  userAgent: string | undefined;
  accept: string | undefined;
  at: number;
}

export const STAND_IN_GHI = [5.61, 5.92, 5.18, 4.77, 4.31, 4.12, 4.33, 5.08, 5.4, 5.52, 5.29, 5.31];
const T2M = [23.1, 23.4, 22.9, 21.6, 19.7, 18.5, 18.3, 19.6, 21.2, 22.4, 22.6, 22.8];
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

export interface GeoStandIns {
  /** base URLs to configure: geocoder (…/search) and NASA POWER */
  nominatimUrl: string;
  nasaPowerUrl: string;
  /** requests per service, oldest first */
  nominatim: SeenRequest[];
  nasa: SeenRequest[];
  /** "<city>|<state name>" → the place answered (anything else: no match) */
  cities: Map<string, { lat: string; lon: string; display_name: string }>;
  /** the next n requests to the service answer this status */
  fail(service: 'nominatim' | 'nasa', n: number, status?: number): void;
  close(): Promise<void>;
}

/** Propostas options pointing at the stand-ins (no retries, a test User-Agent). */
export function standInConfig(s: Pick<GeoStandIns, 'nominatimUrl' | 'nasaPowerUrl'>): PropostasConfig {
  return {
    nasaPowerUrl: s.nasaPowerUrl,
    nasaPowerRetries: 0,
    fleetRadiusKm: 50,
    geocoderUrl: s.nominatimUrl,
    geocoderUserAgent: 'ysh-test/1',
    geocoderRetries: 0,
  };
}

export async function startGeoStandIns(): Promise<GeoStandIns> {
  const nominatim: SeenRequest[] = [];
  const nasa: SeenRequest[] = [];
  const failures = { nominatim: { n: 0, status: 503 }, nasa: { n: 0, status: 503 } };
  const cities = new Map([
    [
      'Belo Horizonte|Minas Gerais',
      {
        lat: '-19.9227318',
        lon: '-43.9450948',
        display_name: 'Belo Horizonte, Região Metropolitana de Belo Horizonte, Minas Gerais, Região Sudeste, Brasil',
      },
    ],
    [
      'Curitiba|Paraná',
      {
        lat: '-25.4295963',
        lon: '-49.2712724',
        display_name: 'Curitiba, Região Metropolitana de Curitiba, Paraná, Região Sul, Brasil',
      },
    ],
  ]);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const seen: SeenRequest = {
      method: req.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      userAgent: req.headers['user-agent'],
      accept: req.headers.accept,
      at: Date.now(),
    };
    const service = url.pathname === '/search' ? 'nominatim' : 'nasa';
    (service === 'nominatim' ? nominatim : nasa).push(seen);
    const f = failures[service];
    if (f.n > 0) {
      f.n--;
      res.writeHead(f.status).end('busy');
      return;
    }
    const json = (body: unknown) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (service === 'nominatim') {
      const hit = cities.get(`${seen.query.city}|${seen.query.state}`);
      json(
        hit
          ? [
              {
                place_id: 1,
                category: 'boundary',
                type: 'administrative',
                addresstype: 'city',
                importance: 0.7,
                ...hit,
              },
            ]
          : [],
      );
      return;
    }
    json({
      type: 'Feature',
      properties: {
        parameter: {
          ALLSKY_SFC_SW_DWN: Object.fromEntries([...MONTHS.map((m, i) => [m, STAND_IN_GHI[i]]), ['ANN', 5.07]]),
          T2M: Object.fromEntries([...MONTHS.map((m, i) => [m, T2M[i]]), ['ANN', 21.3]]),
        },
      },
      header: { title: 'NASA/POWER Climatology (stand-in)', fill_value: -999 },
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    nominatimUrl: `${base}/search`,
    nasaPowerUrl: `${base}/api/temporal/climatology/point`,
    nominatim,
    nasa,
    cities,
    fail(service, n, status = 503) {
      failures[service] = { n, status };
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
