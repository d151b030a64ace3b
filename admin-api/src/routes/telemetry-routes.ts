import { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type ApiContext, principalOf } from '../context.ts';
import { ApiError } from '../errors.ts';
import { canSeeSite, type Principal } from '../identity/principal.ts';
import { decodeCursor, limitOf, Page, PageQuery, pageOf } from '../http/pagination.ts';
import { DeviceId, errors, IsoTime, SiteId, Text } from '../http/schemas.ts';

export const MAX_POINTS = 1000;
const MAX_RANGE_MS = 400 * 86_400_000;
/** A site without a window ending in this period counts as offline in the overview. */
const FRESH_MS = 15 * 60_000;
export const FLEET_STATUSES = ['alerting', 'ok', 'offline'] as const;

const Counts = Type.Object({ critical: Type.Integer(), warning: Type.Integer(), info: Type.Integer() });
export const FleetItem = Type.Object({
  site: Type.String(),
  name: Type.String(),
  powerW: Type.Union([Type.Number(), Type.Null()]),
  energyTodayKwh: Type.Union([Type.Number(), Type.Null()]),
  availability: Type.Union([Type.Number(), Type.Null()]),
  openAlerts: Counts,
  lastData: Type.Union([Type.String(), Type.Null()]),
});

export const SERIES_FIELDS = [
  'acPowerW',
  'dcPowerW',
  'energyKwh',
  'temperatureC',
  'acVoltageV',
  'availability',
] as const;
const Series = Type.Object({
  step: Type.Integer(),
  points: Type.Array(
    Type.Object({ t: Type.String(), values: Type.Record(Type.String(), Type.Union([Type.Number(), Type.Null()])) }),
  ),
});

interface FleetRow {
  site: string;
  name: string;
  power_w: number | null;
  energy_wh: number | null;
  availability: number | null;
  critical: number;
  warning: number;
  info: number;
  last_data: Date | null;
}

/**
 * Per site in scope: power now (sum of each device's newest window mean, shown when that is
 * within the last 15 min), energy and mean availability since local midnight, open alerts by
 * severity, newest data. Reads the rollups the window_results triggers keep (migration 0440):
 * one row per site and day, one per device. Worst first: critical, warning, offline, lowest
 * availability, then id.
 */
export const FLEET_SQL = `
WITH s AS (
  SELECT id, name, (now() AT TIME ZONE timezone)::date AS today
    FROM sites
   WHERE ($1::text[] IS NULL OR id = ANY($1))
     AND ($2::text IS NULL OR id ILIKE '%' || $2 || '%' OR name ILIKE '%' || $2 || '%')
), today AS (
  SELECT t.site, t.energy_wh, t.availability_sum / nullif(t.windows, 0) AS availability
    FROM site_day_totals t JOIN s ON s.id = t.site AND t.day = s.today
), recent AS (
  SELECT d.site, sum(d.ac_power_w_mean) AS power_w, max(d.window_end) AS last_data
    FROM device_latest d JOIN s ON s.id = d.site
   WHERE d.window_start >= now() - interval '1 day'
   GROUP BY d.site
), al AS (
  SELECT a.site, count(*) FILTER (WHERE severity = 'critical')::int AS critical,
         count(*) FILTER (WHERE severity = 'warning')::int AS warning,
         count(*) FILTER (WHERE severity = 'info')::int AS info
    FROM alerts a JOIN s ON s.id = a.site WHERE a.state <> 'resolved' GROUP BY a.site
)
SELECT s.id AS site, s.name,
       CASE WHEN recent.last_data >= now() - ($3::int * interval '1 millisecond') THEN recent.power_w END AS power_w,
       today.energy_wh, today.availability,
       coalesce(al.critical, 0) AS critical, coalesce(al.warning, 0) AS warning, coalesce(al.info, 0) AS info,
       recent.last_data
  FROM s LEFT JOIN today ON today.site = s.id LEFT JOIN recent ON recent.site = s.id LEFT JOIN al ON al.site = s.id
 ORDER BY coalesce(al.critical, 0) DESC, coalesce(al.warning, 0) DESC,
          (recent.last_data IS NULL OR recent.last_data < now() - ($3::int * interval '1 millisecond')) DESC,
          today.availability ASC NULLS FIRST, s.id`;

function statusOf(r: FleetRow, now: number): (typeof FLEET_STATUSES)[number] {
  if (r.critical + r.warning + r.info > 0) return 'alerting';
  if (r.last_data === null || now - r.last_data.getTime() > FRESH_MS) return 'offline';
  return 'ok';
}

/** The site (and device) a series or export is about, checked against the caller's scope (404 outside). */
async function resolveTarget(
  ctx: ApiContext,
  p: Principal,
  site: string | undefined,
  device: string | undefined,
): Promise<{ site: string; device: string | null }> {
  if (device !== undefined) {
    const res = await ctx.pool.query<{ site_id: string }>('SELECT site_id FROM devices WHERE id = $1', [device]);
    const owner = res.rows[0]?.site_id;
    if (!owner || !canSeeSite(p, owner) || (site !== undefined && site !== owner))
      throw new ApiError('API_NOT_FOUND', `device ${device} not found`);
    return { site: owner, device };
  }
  if (site === undefined) throw new ApiError('API_BAD_REQUEST', 'site or device: one of them is required');
  const res = await ctx.pool.query('SELECT 1 FROM sites WHERE id = $1', [site]);
  if ((res.rowCount ?? 0) === 0 || !canSeeSite(p, site)) throw new ApiError('API_NOT_FOUND', `site ${site} not found`);
  return { site, device: null };
}

function range(from: string, to: string): { from: Date; to: Date } {
  const f = new Date(from);
  const t = new Date(to);
  if (!(t.getTime() > f.getTime())) throw new ApiError('API_BAD_REQUEST', 'to: must be after from');
  if (t.getTime() - f.getTime() > MAX_RANGE_MS) throw new ApiError('API_BAD_REQUEST', 'from/to: at most 400 days');
  return { from: f, to: t };
}

export const telemetryRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get(
    '/fleet',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['telemetry'],
        summary: 'Fleet overview per site, worst first',
        querystring: Type.Object(
          {
            ...PageQuery,
            q: Type.Optional(Text()),
            status: Type.Optional(Type.Union(FLEET_STATUSES.map((s) => Type.Literal(s)))),
          },
          { additionalProperties: false },
        ),
        response: { 200: Page(FleetItem), ...errors() },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const limit = limitOf(request.query);
      const offset = (decodeCursor(request.query.cursor, ['number'])?.[0] as number | undefined) ?? 0;
      const res = await ctx.pool.query<FleetRow>(FLEET_SQL, [p.sites, request.query.q ?? null, FRESH_MS]);
      const now = Date.now();
      const rows = request.query.status ? res.rows.filter((r) => statusOf(r, now) === request.query.status) : res.rows;
      const items = rows.slice(offset, offset + limit + 1).map((r) => ({
        site: r.site,
        name: r.name,
        powerW: r.power_w,
        energyTodayKwh: r.energy_wh === null ? null : r.energy_wh / 1000,
        availability: r.availability,
        openAlerts: { critical: r.critical, warning: r.warning, info: r.info },
        lastData: r.last_data === null ? null : r.last_data.toISOString(),
      }));
      const page = pageOf(items, limit, () => [offset + limit]);
      return page;
    },
  );

  app.get(
    '/series',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['telemetry'],
        summary: `Window series of a device or a site over a range, downsampled to at most ${MAX_POINTS} points`,
        querystring: Type.Object(
          {
            site: Type.Optional(SiteId),
            device: Type.Optional(DeviceId),
            from: IsoTime,
            to: IsoTime,
            field: Type.Optional(Type.Union(SERIES_FIELDS.map((f) => Type.Literal(f)))),
          },
          { additionalProperties: false },
        ),
        response: { 200: Series, ...errors(404) },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const target = await resolveTarget(ctx, p, request.query.site, request.query.device);
      const { from, to } = range(request.query.from, request.query.to);
      const step = Math.max(1, Math.ceil((to.getTime() - from.getTime()) / 1000 / MAX_POINTS));
      const res = await ctx.pool.query<{
        t: number;
        ac: number | null;
        dc: number | null;
        e: number | null;
        temp: number | null;
        v: number | null;
        av: number | null;
      }>(
        `SELECT (floor(extract(epoch FROM ws) / $5) * $5)::float8 AS t, avg(ac) AS ac, avg(dc) AS dc, sum(e) / 1000 AS e,
                avg(temp) AS temp, avg(v) AS v, avg(av) AS av
           FROM (SELECT window_start AS ws, sum(ac_power_w_mean) AS ac, sum(dc_power_w_mean) AS dc, sum(energy_wh) AS e,
                        avg(temperature_c_mean) AS temp, avg(ac_voltage_v_mean) AS v, avg(availability) AS av
                   FROM window_results
                  WHERE site = $1 AND ($2::text IS NULL OR device = $2) AND window_start >= $3 AND window_start < $4
                  GROUP BY window_start) x
          GROUP BY 1 ORDER BY 1`,
        [target.site, target.device, from, to, step],
      );
      const field = request.query.field;
      return {
        step,
        points: res.rows.map((r) => {
          const all: Record<string, number | null> = {
            acPowerW: r.ac,
            dcPowerW: r.dc,
            energyKwh: r.e,
            temperatureC: r.temp,
            acVoltageV: r.v,
            availability: r.av,
          };
          return { t: new Date(r.t * 1000).toISOString(), values: field ? { [field]: all[field] ?? null } : all };
        }),
      };
    },
  );

  app.get(
    '/export.csv',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['telemetry'],
        summary: 'CSV of every device window of a site (or one device) in the range',
        querystring: Type.Object(
          { site: Type.Optional(SiteId), device: Type.Optional(DeviceId), from: IsoTime, to: IsoTime },
          { additionalProperties: false },
        ),
        produces: ['text/csv'],
        response: {
          200: {
            description: 'CSV, one line per device window',
            content: { 'text/csv': { schema: { type: 'string' } } },
          },
          ...errors(404),
        },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const target = await resolveTarget(ctx, p, request.query.site, request.query.device);
      const { from, to } = range(request.query.from, request.query.to);
      const pool = ctx.pool;
      async function* lines(): AsyncGenerator<string> {
        yield 'window_start,window_end,site,device,ac_power_w,dc_power_w,energy_wh,temperature_c,ac_voltage_v,availability,samples\n';
        let after: [Date, string] | null = null;
        for (;;) {
          const res: { rows: Array<Record<string, unknown>> } = await pool.query(
            `SELECT window_start, window_end, site, device, ac_power_w_mean, dc_power_w_mean, energy_wh, temperature_c_mean,
                    ac_voltage_v_mean, availability, samples
               FROM window_results
              WHERE site = $1 AND ($2::text IS NULL OR device = $2) AND window_start >= $3 AND window_start < $4
                AND ($5::timestamptz IS NULL OR (window_start, device) > ($5, $6))
              ORDER BY window_start, device LIMIT 5000`,
            [target.site, target.device, from, to, after?.[0] ?? null, after?.[1] ?? null],
          );
          let chunk = '';
          for (const r of res.rows) {
            const num = (v: unknown) => (v === null || v === undefined ? '' : String(v));
            chunk += `${(r.window_start as Date).toISOString()},${(r.window_end as Date).toISOString()},${r.site},${r.device},${num(r.ac_power_w_mean)},${num(r.dc_power_w_mean)},${num(r.energy_wh)},${num(r.temperature_c_mean)},${num(r.ac_voltage_v_mean)},${num(r.availability)},${num(r.samples)}\n`;
          }
          if (chunk) yield chunk;
          const last = res.rows[res.rows.length - 1];
          if (res.rows.length < 5000 || !last) return;
          after = [last.window_start as Date, last.device as string];
        }
      }
      const name = `${target.device ?? target.site}_${from.toISOString().slice(0, 10)}_${to.toISOString().slice(0, 10)}.csv`;
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(Readable.from(lines()));
    },
  );
};
