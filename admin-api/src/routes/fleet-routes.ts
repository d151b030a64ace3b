import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AGENT_FLAGS, AgentHeartbeats, EnrollmentCodes, SiteConfigs } from '@ysh/common/fleet';
import { type ApiContext, principalOf } from '../context.ts';
import { ApiError } from '../errors.ts';
import { decodeCursor, limitOf, Page, PageQuery, pageOf } from '../http/pagination.ts';
import { errors, NullableIso, SiteId, Text } from '../http/schemas.ts';
import { canSeeSite } from '../identity/principal.ts';

const Nullable = <T extends ReturnType<typeof Type.String | typeof Type.Integer>>(t: T) => Type.Union([t, Type.Null()]);

const Agent = Type.Object({
  site: Type.String(),
  agentId: Type.String(),
  version: Type.String(),
  configVersion: Nullable(Type.Integer()),
  configError: Nullable(Type.String()),
  uptimeS: Type.Number(),
  bufferDepth: Type.Integer(),
  oldestBufferedAt: NullableIso,
  devices: Type.Record(Type.String(), Type.String()),
  clockOffsetMs: Type.Union([Type.Number(), Type.Null()]),
  lastHeartbeatAt: Type.String(),
  flags: Type.Array(Type.Union(AGENT_FLAGS.map((f) => Type.Literal(f)))),
  lastError: Nullable(Type.String()),
});

const ConfigVersion = Type.Object({
  site: Type.String(),
  version: Type.Integer(),
  body: Type.String(),
  createdBy: Type.String(),
  createdAt: Type.String(),
  comment: Type.String(),
  history: Type.Array(
    Type.Object({
      version: Type.Integer(),
      createdBy: Type.String(),
      createdAt: Type.String(),
      comment: Type.String(),
    }),
  ),
});

const Params = Type.Object({ id: SiteId });

/**
 * The edge fleet: agents with their last heartbeat and flags (`GET /v1/agents`, worst first),
 * one-time enrollment codes (`POST /v1/sites/:id/enroll-codes`), and the site's remote
 * configuration (`GET|PUT /v1/sites/:id/config`, versioned, validated with the agent's parser).
 */
export const fleetRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const heartbeats = new AgentHeartbeats(ctx.pool);
  const codes = new EnrollmentCodes(ctx.pool);
  const configs = new SiteConfigs(ctx.pool);

  async function siteInScope(request: { principal: unknown }, id: string): Promise<string> {
    const p = principalOf(request as never);
    const res = await ctx.pool.query('SELECT 1 FROM sites WHERE id = $1', [id]);
    if ((res.rowCount ?? 0) === 0 || !canSeeSite(p, id)) throw new ApiError('API_NOT_FOUND', `site ${id} not found`);
    return id;
  }

  app.get(
    '/agents',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['fleet'],
        summary: 'Edge agents with their last heartbeat, worst first (not reporting, behind, old version)',
        querystring: Type.Object(
          {
            ...PageQuery,
            site: Type.Optional(SiteId),
            flag: Type.Optional(Type.Union(AGENT_FLAGS.map((f) => Type.Literal(f)))),
            q: Type.Optional(Text()),
            notReportingAfterS: Type.Optional(Type.Integer({ minimum: 10, maximum: 86_400 })),
            behindAfterS: Type.Optional(Type.Integer({ minimum: 10, maximum: 30 * 86_400 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Page(Agent), ...errors() },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const q = request.query;
      const limit = limitOf(q);
      const after = decodeCursor(q.cursor, ['number']);
      const sites = q.site !== undefined ? (canSeeSite(p, q.site) ? [q.site] : []) : (p.sites ?? undefined);
      const all = (
        await heartbeats.list({
          sites,
          notReportingAfterMs: q.notReportingAfterS === undefined ? undefined : q.notReportingAfterS * 1000,
          behindAfterMs: q.behindAfterS === undefined ? undefined : q.behindAfterS * 1000,
        })
      ).filter(
        (a) =>
          (q.flag === undefined || a.flags.includes(q.flag)) &&
          (q.q === undefined || `${a.site} ${a.agentId} ${a.version}`.toLowerCase().includes(q.q.toLowerCase())),
      );
      // The order is computed (flags change with time), so the cursor is a position in it.
      const start = (after?.[0] as number | undefined) ?? 0;
      const rows = all.slice(start, start + limit + 1).map((a, i) => ({ ...a, position: start + i + 1 }));
      const page = pageOf(rows, limit, (last) => [last.position]);
      return { items: page.items.map(({ position: _, ...a }) => a), nextCursor: page.nextCursor };
    },
  );

  app.post(
    '/sites/:id/enroll-codes',
    {
      config: { role: 'operator', action: 'site.enroll_code.create' },
      schema: {
        tags: ['fleet'],
        summary: 'A one-time code an installer exchanges on the box for the site token (ysh-edge enroll)',
        params: Params,
        body: Type.Optional(
          Type.Object(
            { ttlSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 7 * 86_400 })) },
            { additionalProperties: false },
          ),
        ),
        response: { 201: Type.Object({ code: Type.String(), expiresAt: Type.String() }), ...errors(404) },
      },
    },
    async (request, reply) => {
      const site = await siteInScope(request, request.params.id);
      const p = principalOf(request);
      const ttlMs = (request.body?.ttlSeconds ?? 3600) * 1000;
      const issued = await codes.create(site, { ttlMs, createdBy: p.email });
      // The code itself stays out of the audit log: it is as good as a token until used.
      request.audit = { target: `site/${site}`, after: { expiresAt: issued.expiresAt.toISOString() } };
      return reply.code(201).send({ code: issued.code, expiresAt: issued.expiresAt.toISOString() });
    },
  );

  app.get(
    '/sites/:id/config',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['fleet'],
        summary: "The site's remote configuration (latest version) and who changed it when",
        params: Params,
        response: { 200: ConfigVersion, ...errors(404) },
      },
    },
    async (request) => {
      const site = await siteInScope(request, request.params.id);
      const latest = await configs.get(site);
      if (!latest) throw new ApiError('API_NOT_FOUND', `site ${site} has no remote configuration yet`);
      const history = (await configs.history(site)).map((v) => ({
        version: v.version,
        createdBy: v.createdBy,
        createdAt: v.createdAt.toISOString(),
        comment: v.comment,
      }));
      return { ...latest, createdAt: latest.createdAt.toISOString(), history };
    },
  );

  app.put(
    '/sites/:id/config',
    {
      config: { role: 'operator', action: 'site.config.update' },
      schema: {
        tags: ['fleet'],
        summary:
          'Store a new version of the site configuration (YAML: devices, defaults, buses, buffer, polling, uplink tuning)',
        params: Params,
        body: Type.Object(
          { body: Type.String({ minLength: 1, maxLength: 1_000_000 }), comment: Type.Optional(Text(500)) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            site: Type.String(),
            version: Type.Integer(),
            createdBy: Type.String(),
            createdAt: Type.String(),
          }),
          ...errors(404),
        },
      },
    },
    async (request) => {
      const site = await siteInScope(request, request.params.id);
      const p = principalOf(request);
      const before = await configs.latestVersion(site);
      const stored = await configs.put(site, request.body.body, { createdBy: p.email, comment: request.body.comment });
      request.audit = {
        target: `site/${site}`,
        before: before === undefined ? undefined : { version: before },
        after: { version: stored.version, comment: stored.comment },
      };
      return { site, version: stored.version, createdBy: stored.createdBy, createdAt: stored.createdAt.toISOString() };
    },
  );
};
