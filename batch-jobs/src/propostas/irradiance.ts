/**
 * Where a proposal's sunlight comes from, always stated in the proposal:
 * (a) `quote` — monthly GHI given with the quote (its label says whose numbers they are);
 * (b) `nasa-power` — NASA POWER's monthly climatology (community RE, ALLSKY_SFC_SW_DWN in
 *     kWh/m²/day and T2M in °C), fetched with retries;
 * (c) `fleet` — the measured specific yield (kWh/kWp per calendar month) of monitored sites near
 *     the location, from the stream processor's window results: already net of every loss, so it
 *     replaces the model instead of feeding it.
 * No irradiance table ships with the product.
 */
import type { Queryable } from '@ysh/common/db';
import { JobsError } from '../errors.ts';
import { retryingGet } from './http-get.ts';

export type Irradiance =
  | { kind: 'ghi'; ghiKwhM2Day: number[]; ambientC: number[] | null; source: string; detail: Record<string, unknown> }
  | { kind: 'specific-yield'; kwhPerKwp: number[]; source: string; detail: Record<string, unknown> };

export const NASA_POWER_URL = 'https://power.larc.nasa.gov/api/temporal/climatology/point';
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] as const;

export interface NasaPowerOptions {
  baseUrl?: string;
  retries?: number;
  retryBaseMs?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

function monthsOf(param: unknown, name: string): number[] {
  const rec = (param ?? {}) as Record<string, unknown>;
  return MONTHS.map((m) => {
    const v = rec[m];
    if (typeof v !== 'number' || !Number.isFinite(v) || v === -999)
      throw new JobsError(
        'JOBS_IRRADIANCE_UNAVAILABLE',
        `NASA POWER answered no ${name} for ${m} (fill value or missing)`,
      );
    return v;
  });
}

/** NASA POWER monthly climatology at a point: GHI (kWh/m²/day) and 2 m air temperature (°C). */
export async function nasaPowerClimatology(lat: number, lon: number, o: NasaPowerOptions = {}): Promise<Irradiance> {
  const url = new URL(o.baseUrl ?? NASA_POWER_URL);
  url.searchParams.set('parameters', 'ALLSKY_SFC_SW_DWN,T2M');
  url.searchParams.set('community', 'RE');
  url.searchParams.set('longitude', lon.toFixed(4));
  url.searchParams.set('latitude', lat.toFixed(4));
  url.searchParams.set('format', 'JSON');
  const got = await retryingGet(url, {
    retries: o.retries ?? 3,
    retryBaseMs: o.retryBaseMs,
    timeoutMs: o.timeoutMs ?? 30_000,
    headers: { accept: 'application/json' },
    fetch: o.fetch,
  });
  if ('unanswered' in got)
    throw new JobsError(
      'JOBS_IRRADIANCE_UNAVAILABLE',
      `NASA POWER did not answer after ${got.attempts} attempts: ${got.unanswered}`,
    );
  const res = got.answered;
  if (!res.ok) {
    throw new JobsError(
      'JOBS_IRRADIANCE_UNAVAILABLE',
      `NASA POWER refused ${url}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`,
    );
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch (err) {
    throw new JobsError(
      'JOBS_IRRADIANCE_UNAVAILABLE',
      `NASA POWER answered something that is not JSON: ${(err as Error).message}`,
    );
  }
  const params = (body as { properties?: { parameter?: Record<string, unknown> } })?.properties?.parameter;
  return {
    kind: 'ghi',
    ghiKwhM2Day: monthsOf(params?.ALLSKY_SFC_SW_DWN, 'ALLSKY_SFC_SW_DWN'),
    ambientC: params?.T2M === undefined ? null : monthsOf(params.T2M, 'T2M'),
    source: 'NASA POWER climatology (ALLSKY_SFC_SW_DWN, T2M; community RE)',
    detail: { url: url.toString() },
  };
}

/**
 * Measured specific yield per calendar month of monitored sites within `radiusKm`: per site and
 * month Σ energy / DC nameplate, averaged over the site-months seen. Every month must be covered.
 */
export async function fleetSpecificYield(
  db: Queryable,
  lat: number,
  lon: number,
  radiusKm: number,
): Promise<Irradiance> {
  const { rows } = await db.query<{ month: number; kwh_per_kwp: number; sites: number; site_months: number }>(
    `WITH near AS (
       SELECT s.id, sum(d.nameplate_dc_wp) AS dc_wp
       FROM sites s JOIN devices d ON d.site_id = s.id
       WHERE s.latitude IS NOT NULL AND s.longitude IS NOT NULL AND d.nameplate_dc_wp > 0
         AND 6371 * 2 * asin(sqrt(power(sin(radians(s.latitude - $1) / 2), 2)
             + cos(radians($1)) * cos(radians(s.latitude)) * power(sin(radians(s.longitude - $2) / 2), 2))) <= $3
       GROUP BY s.id),
     site_month AS (
       SELECT w.site, date_trunc('month', w.window_start AT TIME ZONE 'America/Sao_Paulo') AS m,
              sum(w.energy_wh) / 1000 AS kwh
       FROM window_results w JOIN near n ON n.id = w.site
       WHERE w.energy_wh IS NOT NULL
       GROUP BY 1, 2)
     SELECT extract(month FROM sm.m)::int AS month, avg(sm.kwh / (n.dc_wp / 1000))::float8 AS kwh_per_kwp,
            count(DISTINCT sm.site)::int AS sites, count(*)::int AS site_months
     FROM site_month sm JOIN near n ON n.id = sm.site
     GROUP BY 1 ORDER BY 1`,
    [lat, lon, radiusKm],
  );
  const byMonth = new Map(rows.map((r) => [r.month, r]));
  const missing = [...Array(12).keys()].filter((i) => !byMonth.has(i + 1)).map((i) => MONTHS[i]);
  if (missing.length > 0)
    throw new JobsError(
      'JOBS_IRRADIANCE_UNAVAILABLE',
      `the fleet has no measured month ${missing.join(', ')} for monitored sites within ${radiusKm} km of ${lat}, ${lon}`,
    );
  return {
    kind: 'specific-yield',
    kwhPerKwp: [...Array(12).keys()].map((i) => byMonth.get(i + 1)?.kwh_per_kwp as number),
    source: `fleet: measured specific yield of monitored sites within ${radiusKm} km`,
    detail: { sites: Math.max(...rows.map((r) => r.sites)), siteMonths: rows.reduce((a, r) => a + r.site_months, 0) },
  };
}
