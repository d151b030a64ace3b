import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * NASA POWER's climatology endpoint on 127.0.0.1 for the `ysh api` the console tests start
 * (YSH_PROPOSTAS_NASA_POWER_URL): the real service is not reachable here. It answers every point
 * as the API does — properties.parameter.<NAME>.<MON>, GHI in kWh/m²/day and T2M in °C — with
 * Belo Horizonte's shape of year, and records the points asked for.
 */
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const GHI = [5.61, 5.92, 5.18, 4.77, 4.31, 4.12, 4.33, 5.08, 5.4, 5.52, 5.29, 5.31];
const T2M = [23.1, 23.4, 22.9, 21.6, 19.7, 18.5, 18.3, 19.6, 21.2, 22.4, 22.6, 22.8];
const monthly = (values: number[], annual: number) =>
  Object.fromEntries([...MONTHS.map((m, i) => [m, values[i]]), ['ANN', annual]]);

export interface NasaPowerStandIn {
  /** the climatology URL to give the API */
  url: string;
  /** latitude and longitude of each request, as sent */
  readonly points: Array<{ latitude: string | null; longitude: string | null }>;
  close(): Promise<void>;
}

export async function startNasaPowerStandIn(): Promise<NasaPowerStandIn> {
  const points: NasaPowerStandIn['points'] = [];
  const server = createServer((req, res) => {
    const q = new URL(req.url ?? '/', 'http://stand-in').searchParams;
    points.push({ latitude: q.get('latitude'), longitude: q.get('longitude') });
    const body = {
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [Number(q.get('longitude')), Number(q.get('latitude')), 850] },
      properties: { parameter: { ALLSKY_SFC_SW_DWN: monthly(GHI, 5.07), T2M: monthly(T2M, 21.3) } },
      header: { title: 'NASA/POWER Climatology (stand-in)', fill_value: -999 },
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/temporal/climatology/point`,
    points,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
