import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobsError } from '../errors.ts';
import { NASA_POWER_URL, nasaPowerClimatology } from './irradiance.ts';

/**
 * Local stand-in for NASA POWER's climatology endpoint (the real service is not reachable here):
 * it records each request and answers as the API does — properties.parameter.<NAME>.<MON> in
 * kWh/m²/day (ALLSKY_SFC_SW_DWN) and °C (T2M), plus ANN — or fails as told.
 */
const months = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const ghi = [5.61, 5.92, 5.18, 4.77, 4.31, 4.12, 4.33, 5.08, 5.4, 5.52, 5.29, 5.31];
const t2m = [23.1, 23.4, 22.9, 21.6, 19.7, 18.5, 18.3, 19.6, 21.2, 22.4, 22.6, 22.8];
const body = (g: number[]) => ({
  type: 'Feature',
  geometry: { type: 'Point', coordinates: [-43.94, -19.92, 850] },
  properties: {
    parameter: {
      ALLSKY_SFC_SW_DWN: Object.fromEntries([...months.map((m, i) => [m, g[i]]), ['ANN', 5.07]]),
      T2M: Object.fromEntries([...months.map((m, i) => [m, t2m[i]]), ['ANN', 21.3]]),
    },
  },
  header: { title: 'NASA/POWER Climatology', fill_value: -999 },
});

describe('NASA POWER climatology client', () => {
  const requests: Array<{ method: string; url: string; accept: string | undefined }> = [];
  let failures = 0;
  let payload: unknown = body(ghi);
  let url = '';
  const server = createServer((req: IncomingMessage, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', accept: req.headers.accept });
    if (failures > 0) {
      failures--;
      res.writeHead(503).end('busy');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
  });
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/temporal/climatology/point`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('asks for ALLSKY_SFC_SW_DWN and T2M at the point, community RE, JSON; retries a 503', async () => {
    requests.length = 0;
    failures = 1;
    const r = await nasaPowerClimatology(-19.92, -43.94, { baseUrl: url, retries: 2, retryBaseMs: 10 });
    expect(requests).toHaveLength(2);
    const u = new URL(requests[1]?.url as string, 'http://x');
    expect(requests[1]?.method).toBe('GET');
    expect(requests[1]?.accept).toBe('application/json');
    expect(u.pathname).toBe('/api/temporal/climatology/point');
    expect(Object.fromEntries(u.searchParams)).toEqual({
      parameters: 'ALLSKY_SFC_SW_DWN,T2M',
      community: 'RE',
      longitude: '-43.9400',
      latitude: '-19.9200',
      format: 'JSON',
    });
    expect(r.kind).toBe('ghi');
    if (r.kind !== 'ghi') return;
    expect(r.ghiKwhM2Day).toEqual(ghi);
    expect(r.ambientC).toEqual(t2m);
    expect(r.source).toContain('NASA POWER');
  });

  it('the default URL is the real service', () => {
    expect(NASA_POWER_URL).toBe('https://power.larc.nasa.gov/api/temporal/climatology/point');
  });

  it('gives up with a retriable error after the retries', async () => {
    failures = 10;
    const err = await nasaPowerClimatology(-19.92, -43.94, { baseUrl: url, retries: 1, retryBaseMs: 5 }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(JobsError);
    expect(err.code).toBe('JOBS_IRRADIANCE_UNAVAILABLE');
    expect(err.retriable).toBe(true);
    expect(err.message).toContain('HTTP 503');
    failures = 0;
  });

  it('refuses the fill value -999 instead of using it as sunlight', async () => {
    payload = body(ghi.map((v, i) => (i === 5 ? -999 : v)));
    const err = await nasaPowerClimatology(-19.92, -43.94, { baseUrl: url, retries: 0 }).catch((e) => e);
    expect(err.code).toBe('JOBS_IRRADIANCE_UNAVAILABLE');
    expect(err.message).toContain('JUN');
    payload = body(ghi);
  });
});
