import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type ApiContext, principalOf } from '../context.ts';
import { ApiError } from '../errors.ts';
import { canSeeSite } from '../identity/principal.ts';
import { decodeCursor, limitOf, Page, PageQuery, pageOf } from '../http/pagination.ts';
import { errors, NumericId, SiteId, Text } from '../http/schemas.ts';

export const Site = Type.Object({
  id: Type.String(),
  name: Type.String(),
  latitude: Type.Union([Type.Number(), Type.Null()]),
  longitude: Type.Union([Type.Number(), Type.Null()]),
  timezone: Type.String(),
  createdAt: Type.String(),
});
type SiteT = {
  id: string;
  name: string;
  latitude: number | null;
  longitude: number | null;
  timezone: string;
  createdAt: string;
};

const Lat = Type.Union([Type.Number({ minimum: -90, maximum: 90 }), Type.Null()]);
const Lon = Type.Union([Type.Number({ minimum: -180, maximum: 180 }), Type.Null()]);
const Tz = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_+\\-/]+$' });

interface SiteRow {
  id: string;
  name: string;
  latitude: number | null;
  longitude: number | null;
  timezone: string;
  created_at: Date;
}
const toSite = (r: SiteRow): SiteT => ({
  id: r.id,
  name: r.name,
  latitude: r.latitude,
  longitude: r.longitude,
  timezone: r.timezone,
  createdAt: r.created_at.toISOString(),
});

const Params = Type.Object({ id: SiteId });
const TokenParams = Type.Object({ id: SiteId, tokenId: NumericId });

/** Sites CRUD and their tokens (issue, rotate with an overlap window, revoke). */
export const sitesRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  async function visibleSite(request: { principal: unknown }, id: string): Promise<SiteT> {
    const p = principalOf(request as never);
    const res = await ctx.pool.query<SiteRow>('SELECT * FROM sites WHERE id = $1', [id]);
    const row = res.rows[0];
    if (!row || !canSeeSite(p, id)) throw new ApiError('API_NOT_FOUND', `site ${id} not found`);
    return toSite(row);
  }

  app.get(
    '/sites',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['sites'],
        summary: 'List sites in scope',
        querystring: Type.Object({ ...PageQuery, q: Type.Optional(Text()) }, { additionalProperties: false }),
        response: { 200: Page(Site), ...errors() },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const limit = limitOf(request.query);
      const after = decodeCursor(request.query.cursor, ['string']);
      const res = await ctx.pool.query<SiteRow>(
        `SELECT * FROM sites
          WHERE ($1::text[] IS NULL OR id = ANY($1)) AND ($2::text IS NULL OR id > $2)
            AND ($3::text IS NULL OR id ILIKE '%' || $3 || '%' OR name ILIKE '%' || $3 || '%')
          ORDER BY id LIMIT $4`,
        [p.sites, after?.[0] ?? null, request.query.q ?? null, limit + 1],
      );
      return pageOf(res.rows.map(toSite), limit, (s) => [s.id]);
    },
  );

  app.get(
    '/sites/:id',
    {
      config: { role: 'viewer' },
      schema: { tags: ['sites'], summary: 'One site', params: Params, response: { 200: Site, ...errors(404) } },
    },
    async (request) => visibleSite(request, request.params.id),
  );

  app.post(
    '/sites',
    {
      config: { role: 'admin', action: 'site.create' },
      schema: {
        tags: ['sites'],
        summary: 'Create a site',
        body: Type.Object(
          {
            id: SiteId,
            name: Type.Optional(Type.String({ maxLength: 200 })),
            latitude: Type.Optional(Lat),
            longitude: Type.Optional(Lon),
            timezone: Type.Optional(Tz),
          },
          { additionalProperties: false },
        ),
        response: { 201: Site, ...errors(409) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const res = await ctx.pool.query<SiteRow>(
        `INSERT INTO sites (id, name, latitude, longitude, timezone) VALUES ($1, $2, $3, $4, coalesce($5, 'America/Sao_Paulo'))
         ON CONFLICT (id) DO NOTHING RETURNING *`,
        [b.id, b.name ?? '', b.latitude ?? null, b.longitude ?? null, b.timezone ?? null],
      );
      const row = res.rows[0];
      if (!row) throw new ApiError('API_CONFLICT', `site ${b.id} already exists`);
      const site = toSite(row);
      request.audit = { target: `site/${site.id}`, after: site };
      return reply.code(201).send(site);
    },
  );

  app.patch(
    '/sites/:id',
    {
      config: { role: 'operator', action: 'site.update' },
      schema: {
        tags: ['sites'],
        summary: 'Change a site',
        params: Params,
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ maxLength: 200 })),
            latitude: Type.Optional(Lat),
            longitude: Type.Optional(Lon),
            timezone: Type.Optional(Tz),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: Site, ...errors(404) },
      },
    },
    async (request) => {
      const before = await visibleSite(request, request.params.id);
      const b = request.body;
      const res = await ctx.pool.query<SiteRow>(
        `UPDATE sites SET name = coalesce($2, name),
            latitude = CASE WHEN $3::boolean THEN $4::double precision ELSE latitude END,
            longitude = CASE WHEN $5::boolean THEN $6::double precision ELSE longitude END,
            timezone = coalesce($7, timezone)
          WHERE id = $1 RETURNING *`,
        [
          before.id,
          b.name ?? null,
          b.latitude !== undefined,
          b.latitude ?? null,
          b.longitude !== undefined,
          b.longitude ?? null,
          b.timezone ?? null,
        ],
      );
      const after = toSite(res.rows[0] as SiteRow);
      request.audit = { target: `site/${after.id}`, before, after };
      return after;
    },
  );

  app.delete(
    '/sites/:id',
    {
      config: { role: 'admin', action: 'site.delete' },
      schema: {
        tags: ['sites'],
        summary: 'Delete a site (its devices and tokens go with it)',
        params: Params,
        response: { 204: Type.Null(), ...errors(404) },
      },
    },
    async (request, reply) => {
      const before = await visibleSite(request, request.params.id);
      await ctx.pool.query('DELETE FROM sites WHERE id = $1', [before.id]);
      request.audit = { target: `site/${before.id}`, before };
      return reply.code(204).send(null);
    },
  );

  const Issued = Type.Object({ token: Type.String(), id: Type.String() });

  app.post(
    '/sites/:id/tokens',
    {
      config: { role: 'operator', action: 'site.token.issue' },
      schema: {
        tags: ['sites'],
        summary: 'Issue a site token (shown once)',
        params: Params,
        response: { 201: Issued, ...errors(404) },
      },
    },
    async (request, reply) => {
      const site = await visibleSite(request, request.params.id);
      const issued = await ctx.registry.issueTokenWithId(site.id);
      request.audit = { target: `site/${site.id}/token/${issued.id}`, after: { tokenId: issued.id } };
      return reply.code(201).send(issued);
    },
  );

  app.post(
    '/sites/:id/tokens/:tokenId/rotate',
    {
      config: { role: 'operator', action: 'site.token.rotate' },
      schema: {
        tags: ['sites'],
        summary: 'Issue a new token; the old one keeps working for the overlap window',
        params: TokenParams,
        body: Type.Optional(
          Type.Object(
            { overlapSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 30 * 86400 })) },
            { additionalProperties: false },
          ),
        ),
        response: {
          201: Type.Object({ token: Type.String(), id: Type.String(), oldRevokedAt: Type.String() }),
          ...errors(404),
        },
      },
    },
    async (request, reply) => {
      const site = await visibleSite(request, request.params.id);
      const overlap =
        request.body?.overlapSeconds === undefined ? ctx.config.tokenOverlapMs : request.body.overlapSeconds * 1000;
      const r = await ctx.registry.rotateToken(site.id, request.params.tokenId, overlap);
      request.audit = {
        target: `site/${site.id}/token/${request.params.tokenId}`,
        after: { newTokenId: r.id, oldRevokedAt: r.oldRevokedAt.toISOString() },
      };
      return reply.code(201).send({ token: r.token, id: r.id, oldRevokedAt: r.oldRevokedAt.toISOString() });
    },
  );

  app.delete(
    '/sites/:id/tokens/:tokenId',
    {
      config: { role: 'operator', action: 'site.token.revoke' },
      schema: {
        tags: ['sites'],
        summary: 'Revoke a token at once',
        params: TokenParams,
        response: { 204: Type.Null(), ...errors(404) },
      },
    },
    async (request, reply) => {
      const site = await visibleSite(request, request.params.id);
      if (!(await ctx.registry.revokeToken(site.id, request.params.tokenId)))
        throw new ApiError(
          'API_NOT_FOUND',
          `token ${request.params.tokenId} of site ${site.id} not found or already revoked`,
        );
      request.audit = { target: `site/${site.id}/token/${request.params.tokenId}`, after: { revoked: true } };
      return reply.code(204).send(null);
    },
  );
};
