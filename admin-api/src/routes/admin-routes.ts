import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type ApiContext, principalOf } from '../context.ts';
import { ApiError } from '../errors.ts';
import { ROLES } from '../identity/principal.ts';
import { decodeCursor, limitOf, Page, PageQuery, pageOf } from '../http/pagination.ts';
import { errors, IsoTime, NumericId, SiteId, Text } from '../http/schemas.ts';

const RoleT = Type.Union(ROLES.map((r) => Type.Literal(r)));
const Sites = Type.Union([Type.Array(SiteId, { maxItems: 1000, uniqueItems: true }), Type.Null()]);
const Email = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^@\\s]+@[^@\\s]+$' });
const Password = Type.String({ minLength: 10, maxLength: 1024 });

export const UserT = Type.Object({
  id: Type.String(),
  email: Type.String(),
  role: RoleT,
  sites: Type.Union([Type.Array(Type.String()), Type.Null()]),
  disabled: Type.Boolean(),
  createdAt: Type.String(),
});
export const ApiKeyT = Type.Object({
  id: Type.String(),
  userId: Type.String(),
  name: Type.String(),
  prefix: Type.String(),
  createdAt: Type.String(),
  lastUsedAt: Type.Union([Type.String(), Type.Null()]),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
});
const AuditT = Type.Object({
  id: Type.String(),
  at: Type.String(),
  actor: Type.String(),
  actorKind: Type.String(),
  method: Type.String(),
  route: Type.String(),
  action: Type.String(),
  target: Type.Union([Type.String(), Type.Null()]),
  status: Type.Integer(),
  requestId: Type.String(),
  before: Type.Unknown(),
  after: Type.Unknown(),
});

/** Users (admin), API keys (own; admin: all), the audit log (admin). */
export const adminRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get(
    '/users',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['users'],
        summary: 'List users',
        querystring: Type.Object({ ...PageQuery }, { additionalProperties: false }),
        response: { 200: Page(UserT), ...errors() },
      },
    },
    async (request) => {
      const limit = limitOf(request.query);
      const after = decodeCursor(request.query.cursor, ['string']);
      const rows = await ctx.identity.listUsers({ after: (after?.[0] as string) ?? null, limit: limit + 1 });
      return pageOf(rows, limit, (u) => [u.id]);
    },
  );

  app.post(
    '/users',
    {
      config: { role: 'admin', action: 'user.create' },
      schema: {
        tags: ['users'],
        summary: 'Create a user (sites null or absent: every site)',
        body: Type.Object(
          { email: Email, password: Password, role: RoleT, sites: Type.Optional(Sites) },
          { additionalProperties: false },
        ),
        response: { 201: UserT, ...errors(409) },
      },
    },
    async (request, reply) => {
      const user = await ctx.identity.addUser(request.body);
      request.audit = { target: `user/${user.id}`, after: user };
      return reply.code(201).send(user);
    },
  );

  app.patch(
    '/users/:id',
    {
      config: { role: 'admin', action: 'user.update' },
      schema: {
        tags: ['users'],
        summary: 'Change role, site scope, password, or disable a user',
        params: Type.Object({ id: NumericId }),
        body: Type.Object(
          {
            role: Type.Optional(RoleT),
            sites: Type.Optional(Sites),
            disabled: Type.Optional(Type.Boolean()),
            password: Type.Optional(Password),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: UserT, ...errors(404) },
      },
    },
    async (request) => {
      const before = await ctx.identity.getUser(request.params.id);
      if (!before) throw new ApiError('API_NOT_FOUND', `user ${request.params.id} not found`);
      const after = (await ctx.identity.updateUser(request.params.id, request.body)) as NonNullable<typeof before>;
      request.audit = {
        target: `user/${after.id}`,
        before,
        after: { ...after, passwordChanged: request.body.password !== undefined },
      };
      return after;
    },
  );

  app.get(
    '/apikeys',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['apikeys'],
        summary: "API keys: the caller's own (admins: everyone's)",
        querystring: Type.Object({ ...PageQuery }, { additionalProperties: false }),
        response: { 200: Page(ApiKeyT), ...errors() },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const limit = limitOf(request.query);
      const after = decodeCursor(request.query.cursor, ['string']);
      const rows = await ctx.identity.listApiKeys(p.role === 'admin' ? null : p.userId, {
        after: (after?.[0] as string) ?? null,
        limit: limit + 1,
      });
      return pageOf(rows, limit, (k) => [k.id]);
    },
  );

  app.post(
    '/apikeys',
    {
      config: { role: 'viewer', action: 'apikey.create' },
      schema: {
        tags: ['apikeys'],
        summary: 'Create an API key for the caller (same role and scope); the key is shown once',
        body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false }),
        response: { 201: Type.Object({ key: Type.String(), apiKey: ApiKeyT }), ...errors() },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const { key, info } = await ctx.identity.createApiKey(p.userId, request.body.name);
      request.audit = { target: `apikey/${info.id}`, after: info };
      return reply.code(201).send({ key, apiKey: info });
    },
  );

  app.delete(
    '/apikeys/:id',
    {
      config: { role: 'viewer', action: 'apikey.revoke' },
      schema: {
        tags: ['apikeys'],
        summary: 'Revoke an API key (own; admins: any)',
        params: Type.Object({ id: NumericId }),
        response: { 204: Type.Null(), ...errors(404) },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      if (!(await ctx.identity.revokeApiKey(request.params.id, p.role === 'admin' ? null : p.userId)))
        throw new ApiError('API_NOT_FOUND', `API key ${request.params.id} not found`);
      request.audit = { target: `apikey/${request.params.id}`, after: { revoked: true } };
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/audit',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['audit'],
        summary: 'The audit log, newest first',
        querystring: Type.Object(
          {
            ...PageQuery,
            actor: Type.Optional(Text(254)),
            action: Type.Optional(Text(100)),
            target: Type.Optional(Text(300)),
            from: Type.Optional(IsoTime),
            to: Type.Optional(IsoTime),
          },
          { additionalProperties: false },
        ),
        response: { 200: Page(AuditT), ...errors() },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = limitOf(q);
      const after = decodeCursor(q.cursor, ['string']);
      const res = await ctx.pool.query<{
        id: string;
        at: Date;
        actor: string;
        actor_kind: string;
        method: string;
        route: string;
        action: string;
        target: string | null;
        status: number;
        request_id: string;
        before: unknown;
        after: unknown;
      }>(
        `SELECT * FROM audit_log
          WHERE ($1::text IS NULL OR actor = $1) AND ($2::text IS NULL OR action = $2) AND ($3::text IS NULL OR target = $3)
            AND ($4::timestamptz IS NULL OR at >= $4) AND ($5::timestamptz IS NULL OR at < $5)
            AND ($6::bigint IS NULL OR id < $6::bigint)
          ORDER BY id DESC LIMIT $7`,
        [
          q.actor ?? null,
          q.action ?? null,
          q.target ?? null,
          q.from ?? null,
          q.to ?? null,
          after?.[0] ?? null,
          limit + 1,
        ],
      );
      const rows = res.rows.map((r) => ({
        id: String(r.id),
        at: r.at.toISOString(),
        actor: r.actor,
        actorKind: r.actor_kind,
        method: r.method,
        route: r.route,
        action: r.action,
        target: r.target,
        status: r.status,
        requestId: r.request_id,
        before: r.before,
        after: r.after,
      }));
      return pageOf(rows, limit, (r) => [r.id]);
    },
  );
};
