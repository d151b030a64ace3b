import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { DeviceIdentity } from '@ysh/common/fleet';
import { type ApiContext, principalOf } from '../context.ts';
import { ApiError } from '../errors.ts';
import { decodeCursor, limitOf, Page, PageQuery, pageOf } from '../http/pagination.ts';
import { DeviceId, errors, SiteId } from '../http/schemas.ts';

/** A device is online when its newest reading (processor state or window) is younger than this. */
export const ONLINE_WITHIN_MS = 10 * 60_000;
export const DEVICE_STATUSES = ['online', 'offline', 'unknown'] as const;

const NullableText = Type.Union([Type.String(), Type.Null()]);

export const Device = Type.Object({
  id: Type.String(),
  site: Type.String(),
  model: Type.String(),
  serial: Type.String(),
  nameplateW: Type.Union([Type.Number(), Type.Null()]),
  status: Type.Union(DEVICE_STATUSES.map((s) => Type.Literal(s))),
  lastSeen: Type.Union([Type.String(), Type.Null()]),
  /** SunSpec model 1 as the site's agent last reported it; null until an agent has discovered the device. */
  sunspec: Type.Union([
    Type.Object({
      manufacturer: NullableText,
      model: NullableText,
      serial: NullableText,
      version: NullableText,
      options: NullableText,
    }),
    Type.Null(),
  ]),
});

interface DeviceRow {
  id: string;
  site_id: string;
  model: string;
  serial: string;
  nameplate_w: number | null;
  last_seen: Date | null;
  sunspec: DeviceIdentity | null;
}

/**
 * SunSpec identity: what the site's agent reported in its latest heartbeat that names the device.
 * Last seen: the processor's per-device state (processor_devices.last_seen_at, processing
 * time of its newest reading) or, failing that, the end of its newest stored window.
 */
const DEVICE_SQL = `
  SELECT d.id, d.site_id, d.model, d.serial, d.nameplate_w,
         greatest((SELECT max(pd.last_seen_at) FROM processor_devices pd WHERE pd.device = d.id),
                  (SELECT w.window_end FROM window_results w WHERE w.device = d.id ORDER BY w.window_start DESC LIMIT 1)) AS last_seen,
         (SELECT h.identities -> d.id FROM agent_heartbeats h WHERE h.site_id = d.site_id AND h.identities ? d.id
           ORDER BY h.received_at DESC LIMIT 1) AS sunspec
    FROM devices d`;

function toDevice(r: DeviceRow, now: number) {
  const seen = r.last_seen === null ? null : r.last_seen.getTime();
  return {
    id: r.id,
    site: r.site_id,
    model: r.model,
    serial: r.serial,
    nameplateW: r.nameplate_w,
    status:
      seen === null
        ? ('unknown' as const)
        : now - seen <= ONLINE_WITHIN_MS
          ? ('online' as const)
          : ('offline' as const),
    lastSeen: seen === null ? null : new Date(seen).toISOString(),
    sunspec: r.sunspec,
  };
}

export const devicesRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get(
    '/devices',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['devices'],
        summary: 'Devices in scope with status and last seen',
        querystring: Type.Object(
          {
            ...PageQuery,
            site: Type.Optional(SiteId),
            status: Type.Optional(Type.Union(DEVICE_STATUSES.map((s) => Type.Literal(s)))),
          },
          { additionalProperties: false },
        ),
        response: { 200: Page(Device), ...errors() },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const limit = limitOf(request.query);
      const after = decodeCursor(request.query.cursor, ['string']);
      const now = Date.now();
      const want = request.query.status;
      // A status filter is applied after the page is read, so read pages until one is full.
      const out: ReturnType<typeof toDevice>[] = [];
      let cursor = (after?.[0] as string | undefined) ?? null;
      let more = true;
      while (out.length <= limit && more) {
        const res = await ctx.pool.query<DeviceRow>(
          `${DEVICE_SQL} WHERE ($1::text[] IS NULL OR d.site_id = ANY($1)) AND ($2::text IS NULL OR d.site_id = $2)
              AND ($3::text IS NULL OR d.id > $3) ORDER BY d.id LIMIT $4`,
          [p.sites, request.query.site ?? null, cursor, limit + 1],
        );
        more = res.rows.length === limit + 1;
        for (const r of res.rows) {
          cursor = r.id;
          const d = toDevice(r, now);
          if (!want || d.status === want) out.push(d);
        }
        if (!want) break;
      }
      return pageOf(out, limit, (d) => [d.id]);
    },
  );

  app.get(
    '/devices/:id',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['devices'],
        summary: 'One device',
        params: Type.Object({ id: DeviceId }),
        response: { 200: Device, ...errors(404) },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const res = await ctx.pool.query<DeviceRow>(
        `${DEVICE_SQL} WHERE d.id = $1 AND ($2::text[] IS NULL OR d.site_id = ANY($2))`,
        [request.params.id, p.sites],
      );
      const row = res.rows[0];
      if (!row) throw new ApiError('API_NOT_FOUND', `device ${request.params.id} not found`);
      return toDevice(row, Date.now());
    },
  );
};
