import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { acknowledgeAlert, applyTransitions } from '@ysh/common/alerts';
import type { Queryable } from '@ysh/common/db';
import { inTransaction } from '@ysh/common/db';
import { type ApiContext, principalOf } from '../context.ts';
import { ApiError } from '../errors.ts';
import { canSeeSite, type Principal } from '../identity/principal.ts';
import { decodeCursor, limitOf, Page, PageQuery, pageOf } from '../http/pagination.ts';
import { DeviceId, errors, IsoTime, NumericId, SiteId } from '../http/schemas.ts';

const SEVERITIES = ['info', 'warning', 'critical'] as const;
const STATES = ['open', 'acknowledged', 'resolved', 'unresolved'] as const;
const AlertId = Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9._:@/-]+$' });
const RuleName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9_.-]+$' });

export const Alert = Type.Object({
  id: Type.String(),
  site: Type.String(),
  device: Type.Union([Type.String(), Type.Null()]),
  rule: Type.String(),
  severity: Type.String(),
  state: Type.String(),
  since: Type.String(),
  openedAt: Type.String(),
  acknowledgedAt: Type.Union([Type.String(), Type.Null()]),
  acknowledgedBy: Type.Union([Type.String(), Type.Null()]),
  resolvedAt: Type.Union([Type.String(), Type.Null()]),
  value: Type.Union([Type.Number(), Type.Null()]),
  threshold: Type.Union([Type.Number(), Type.Null()]),
  message: Type.String(),
  comments: Type.Array(Type.Object({ by: Type.String(), at: Type.String(), text: Type.String() })),
});

export const Silence = Type.Object({
  id: Type.String(),
  site: Type.String(),
  device: Type.Union([Type.String(), Type.Null()]),
  rule: Type.Union([Type.String(), Type.Null()]),
  until: Type.String(),
  reason: Type.String(),
  createdBy: Type.String(),
  createdAt: Type.String(),
});

interface AlertRow {
  id: string;
  site: string;
  device: string | null;
  rule: string;
  severity: string;
  state: string;
  since: Date;
  opened_at: Date;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  resolved_at: Date | null;
  value: number | null;
  threshold: number | null;
  message: string;
}
const iso = (d: Date | null) => (d === null ? null : d.toISOString());
type AlertOut = ReturnType<typeof toAlert>;
const toAlert = (r: AlertRow, comments: Array<{ by: string; at: string; text: string }> = []) => ({
  id: r.id,
  site: r.site,
  device: r.device,
  rule: r.rule,
  severity: r.severity,
  state: r.state,
  since: r.since.toISOString(),
  openedAt: r.opened_at.toISOString(),
  acknowledgedAt: iso(r.acknowledged_at),
  acknowledgedBy: r.acknowledged_by,
  resolvedAt: iso(r.resolved_at),
  value: r.value,
  threshold: r.threshold,
  message: r.message,
  comments,
});

async function withComments(db: Queryable, rows: AlertRow[]): Promise<AlertOut[]> {
  if (rows.length === 0) return [];
  const res = await db.query<{ alert_id: string; by: string; at: Date; text: string }>(
    'SELECT alert_id, by, at, text FROM alert_comments WHERE alert_id = ANY($1::text[]) ORDER BY id',
    [rows.map((r) => r.id)],
  );
  const by = new Map<string, Array<{ by: string; at: string; text: string }>>();
  for (const c of res.rows) {
    const list = by.get(c.alert_id) ?? [];
    list.push({ by: c.by, at: c.at.toISOString(), text: c.text });
    by.set(c.alert_id, list);
  }
  return rows.map((r) => toAlert(r, by.get(r.id) ?? []));
}

/** The alert if the caller may see it; another site's alert is a 404. */
async function visibleAlert(db: Queryable, p: Principal, id: string): Promise<AlertOut> {
  const res = await db.query<AlertRow>('SELECT * FROM alerts WHERE id = $1', [id]);
  const row = res.rows[0];
  if (!row || !canSeeSite(p, row.site)) throw new ApiError('API_NOT_FOUND', `alert ${id} not found`);
  return (await withComments(db, [row]))[0] as AlertOut;
}

/** Channels that already carried the alert: an acknowledgement or resolution goes to the same ones. */
async function channelsOf(db: Queryable, id: string): Promise<string[]> {
  const res = await db.query<{ channel: string }>(
    'SELECT DISTINCT channel FROM notification_outbox WHERE alert_id = $1',
    [id],
  );
  return res.rows.map((r) => r.channel);
}

const IdParams = Type.Object({ id: AlertId });

export const alertsRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get(
    '/alerts',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['alerts'],
        summary: 'Alerts in scope, newest first, with filters',
        querystring: Type.Object(
          {
            ...PageQuery,
            site: Type.Optional(SiteId),
            device: Type.Optional(DeviceId),
            rule: Type.Optional(RuleName),
            severity: Type.Optional(Type.Union(SEVERITIES.map((s) => Type.Literal(s)))),
            state: Type.Optional(Type.Union(STATES.map((s) => Type.Literal(s)))),
            from: Type.Optional(IsoTime),
            to: Type.Optional(IsoTime),
          },
          { additionalProperties: false },
        ),
        response: { 200: Page(Alert), ...errors() },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const q = request.query;
      const limit = limitOf(q);
      const after = decodeCursor(q.cursor, ['string', 'string']);
      const state = q.state === 'unresolved' ? null : (q.state ?? null);
      const res = await ctx.pool.query<AlertRow>(
        `SELECT * FROM alerts
          WHERE ($1::text[] IS NULL OR site = ANY($1)) AND ($2::text IS NULL OR site = $2)
            AND ($3::text IS NULL OR device = $3) AND ($4::text IS NULL OR rule = $4)
            AND ($5::text IS NULL OR severity = $5) AND ($6::text IS NULL OR state = $6)
            AND (NOT $7::boolean OR state <> 'resolved')
            AND ($8::timestamptz IS NULL OR since >= $8) AND ($9::timestamptz IS NULL OR since < $9)
            AND ($10::timestamptz IS NULL OR (since, id) < ($10, $11))
          ORDER BY since DESC, id DESC LIMIT $12`,
        [
          p.sites,
          q.site ?? null,
          q.device ?? null,
          q.rule ?? null,
          q.severity ?? null,
          state,
          q.state === 'unresolved',
          q.from ?? null,
          q.to ?? null,
          after?.[0] ?? null,
          after?.[1] ?? null,
          limit + 1,
        ],
      );
      const page = pageOf(res.rows, limit, (r) => [r.since.toISOString(), r.id]);
      return { items: await withComments(ctx.pool, page.items), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/alerts/:id',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['alerts'],
        summary: 'One alert with its comments',
        params: IdParams,
        response: { 200: Alert, ...errors(404) },
      },
    },
    async (request) => visibleAlert(ctx.pool, principalOf(request), request.params.id),
  );

  async function ack(p: Principal, id: string) {
    return inTransaction(ctx.pool, async (c) => {
      const before = await visibleAlert(c, p, id);
      if (before.state !== 'open')
        throw new ApiError('API_CONFLICT', `alert ${id} is ${before.state}; only an open alert can be acknowledged`);
      await acknowledgeAlert(c, id, p.email, await channelsOf(c, id));
      return { before, after: await visibleAlert(c, p, id) };
    });
  }

  app.post(
    '/alerts/:id/ack',
    {
      config: { role: 'operator', action: 'alert.ack' },
      schema: {
        tags: ['alerts'],
        summary: 'Acknowledge an open alert',
        params: IdParams,
        response: { 200: Alert, ...errors(404, 409) },
      },
    },
    async (request) => {
      const { before, after } = await ack(principalOf(request), request.params.id);
      request.audit = { target: `alert/${after.id}`, before: { state: before.state }, after: { state: after.state } };
      return after;
    },
  );

  app.post(
    '/alerts/ack',
    {
      config: { role: 'operator', action: 'alert.ack.bulk' },
      schema: {
        tags: ['alerts'],
        summary: 'Acknowledge many alerts; each id answers acknowledged, skipped (not open) or not_found',
        body: Type.Object(
          { ids: Type.Array(AlertId, { minItems: 1, maxItems: 500, uniqueItems: true }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            results: Type.Array(
              Type.Object({
                id: Type.String(),
                result: Type.Union([Type.Literal('acknowledged'), Type.Literal('skipped'), Type.Literal('not_found')]),
              }),
            ),
          }),
          ...errors(),
        },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const results: Array<{ id: string; result: 'acknowledged' | 'skipped' | 'not_found' }> = [];
      for (const id of request.body.ids) {
        try {
          await ack(p, id);
          results.push({ id, result: 'acknowledged' });
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
          results.push({ id, result: err.code === 'API_NOT_FOUND' ? 'not_found' : 'skipped' });
        }
      }
      request.audit = { target: `alerts/${results.filter((r) => r.result === 'acknowledged').length}`, after: results };
      return { results };
    },
  );

  app.post(
    '/alerts/:id/resolve',
    {
      config: { role: 'operator', action: 'alert.resolve' },
      schema: {
        tags: ['alerts'],
        summary: 'Resolve (clear) an alert by hand',
        params: IdParams,
        response: { 200: Alert, ...errors(404, 409) },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const { before, after } = await inTransaction(ctx.pool, async (c) => {
        const b = await visibleAlert(c, p, request.params.id);
        if (b.state === 'resolved') throw new ApiError('API_CONFLICT', `alert ${b.id} is already resolved`);
        await applyTransitions(
          c,
          [
            {
              type: 'resolve',
              id: b.id,
              site: b.site,
              ...(b.device === null ? {} : { device: b.device }),
              rule: b.rule,
              severity: b.severity as 'info',
              since: Date.parse(b.since),
              at: Date.now(),
              message: `resolved by ${p.email}`,
            },
          ],
          await channelsOf(c, b.id),
        );
        return { before: b, after: await visibleAlert(c, p, b.id) };
      });
      request.audit = { target: `alert/${after.id}`, before: { state: before.state }, after: { state: after.state } };
      return after;
    },
  );

  app.post(
    '/alerts/:id/comments',
    {
      config: { role: 'operator', action: 'alert.comment' },
      schema: {
        tags: ['alerts'],
        summary: 'Comment on an alert',
        params: IdParams,
        body: Type.Object({ text: Type.String({ minLength: 1, maxLength: 4000 }) }, { additionalProperties: false }),
        response: { 201: Alert, ...errors(404) },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      await visibleAlert(ctx.pool, p, request.params.id);
      await ctx.pool.query('INSERT INTO alert_comments (alert_id, by, text) VALUES ($1, $2, $3)', [
        request.params.id,
        p.email,
        request.body.text,
      ]);
      request.audit = { target: `alert/${request.params.id}`, after: { comment: request.body.text } };
      return reply.code(201).send(await visibleAlert(ctx.pool, p, request.params.id));
    },
  );

  interface SilenceRow {
    id: string;
    site: string;
    device: string | null;
    rule: string | null;
    until: Date;
    reason: string;
    created_by: string;
    created_at: Date;
  }
  const toSilence = (r: SilenceRow) => ({
    id: String(r.id),
    site: r.site,
    device: r.device,
    rule: r.rule,
    until: r.until.toISOString(),
    reason: r.reason,
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
  });

  app.get(
    '/silences',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['alerts'],
        summary: 'Silences in scope (live ones unless expired=true)',
        querystring: Type.Object(
          { ...PageQuery, site: Type.Optional(SiteId), expired: Type.Optional(Type.Boolean()) },
          { additionalProperties: false },
        ),
        response: { 200: Page(Silence), ...errors() },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const limit = limitOf(request.query);
      const after = decodeCursor(request.query.cursor, ['string']);
      const res = await ctx.pool.query<SilenceRow>(
        `SELECT * FROM alert_silences
          WHERE deleted_at IS NULL AND ($1::text[] IS NULL OR site = ANY($1)) AND ($2::text IS NULL OR site = $2)
            AND ($3::boolean OR until > now()) AND ($4::bigint IS NULL OR id > $4::bigint)
          ORDER BY id LIMIT $5`,
        [p.sites, request.query.site ?? null, request.query.expired ?? false, after?.[0] ?? null, limit + 1],
      );
      return pageOf(res.rows.map(toSilence), limit, (s) => [s.id]);
    },
  );

  app.post(
    '/silences',
    {
      config: { role: 'operator', action: 'silence.create' },
      schema: {
        tags: ['alerts'],
        summary: 'Mute person-facing notifications (Slack) of matching alerts until a time; alerts are still stored',
        body: Type.Object(
          {
            site: SiteId,
            device: Type.Optional(DeviceId),
            rule: Type.Optional(RuleName),
            until: IsoTime,
            reason: Type.String({ minLength: 1, maxLength: 500 }),
          },
          { additionalProperties: false },
        ),
        response: { 201: Silence, ...errors(404) },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const b = request.body;
      const exists = await ctx.pool.query('SELECT 1 FROM sites WHERE id = $1', [b.site]);
      if ((exists.rowCount ?? 0) === 0 || !canSeeSite(p, b.site))
        throw new ApiError('API_NOT_FOUND', `site ${b.site} not found`);
      const until = new Date(b.until);
      if (until.getTime() <= Date.now()) throw new ApiError('API_BAD_REQUEST', 'until: must be in the future');
      if (until.getTime() > Date.now() + 366 * 86_400_000)
        throw new ApiError('API_BAD_REQUEST', 'until: at most one year ahead');
      const res = await ctx.pool.query<SilenceRow>(
        `INSERT INTO alert_silences (site, device, rule, until, reason, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
        [b.site, b.device ?? null, b.rule ?? null, until, b.reason, p.email],
      );
      const s = toSilence(res.rows[0] as SilenceRow);
      request.audit = { target: `silence/${s.id}`, after: s };
      return reply.code(201).send(s);
    },
  );

  app.delete(
    '/silences/:id',
    {
      config: { role: 'operator', action: 'silence.delete' },
      schema: {
        tags: ['alerts'],
        summary: 'End a silence now',
        params: Type.Object({ id: NumericId }),
        response: { 204: Type.Null(), ...errors(404) },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const res = await ctx.pool.query<SilenceRow>(
        `UPDATE alert_silences SET deleted_at = now()
          WHERE id = $1::bigint AND deleted_at IS NULL AND ($2::text[] IS NULL OR site = ANY($2)) RETURNING *`,
        [request.params.id, p.sites],
      );
      const row = res.rows[0];
      if (!row) throw new ApiError('API_NOT_FOUND', `silence ${request.params.id} not found`);
      request.audit = { target: `silence/${row.id}`, before: toSilence(row) };
      return reply.code(204).send(null);
    },
  );
};
