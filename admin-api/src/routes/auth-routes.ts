import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiContext } from '../context.ts';
import { principalOf } from '../context.ts';
import { ApiError } from '../errors.ts';
import { CSRF_COOKIE, SESSION_COOKIE } from '../identity/auth-plugin.ts';
import { ROLES } from '../identity/principal.ts';
import { errors } from '../http/schemas.ts';

export const Me = Type.Object({
  id: Type.String(),
  email: Type.String(),
  role: Type.Union(ROLES.map((r) => Type.Literal(r))),
  sites: Type.Union([Type.Array(Type.String()), Type.Null()]),
});

/** Login (session cookie + CSRF cookie), logout, who am I. */
export const authRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.post(
    '/auth/login',
    {
      config: { public: true, action: 'login' },
      schema: {
        tags: ['auth'],
        summary: 'Log in: sets the ysh_session (HttpOnly) and ysh_csrf cookies',
        body: Type.Object(
          {
            email: Type.String({ minLength: 3, maxLength: 254 }),
            password: Type.String({ minLength: 1, maxLength: 1024 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ user: Me }), ...errors() },
      },
    },
    async (request, reply) => {
      const user = await ctx.identity.checkLogin(request.body.email, request.body.password);
      if (!user) throw new ApiError('API_LOGIN_FAILED', 'wrong email or password');
      const { session, csrf, expiresAt } = await ctx.identity.createSession(user.id);
      const common = { path: '/', sameSite: 'strict' as const, secure: ctx.config.secureCookies, expires: expiresAt };
      reply.setCookie(SESSION_COOKIE, session, { ...common, httpOnly: true });
      reply.setCookie(CSRF_COOKIE, csrf, { ...common, httpOnly: false });
      request.principal = { userId: user.id, email: user.email, role: user.role, sites: user.sites, via: 'session' };
      request.audit = { target: `user/${user.id}` };
      return { user: { id: user.id, email: user.email, role: user.role, sites: user.sites } };
    },
  );

  app.post(
    '/auth/logout',
    {
      config: { role: 'viewer', action: 'logout' },
      schema: { tags: ['auth'], summary: 'End the session', response: { 204: Type.Null(), ...errors() } },
    },
    async (request, reply) => {
      const session = request.cookies[SESSION_COOKIE];
      if (session) await ctx.identity.endSession(session);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      reply.clearCookie(CSRF_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/me',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['auth'],
        summary: 'The caller: role and site scope (null = all sites)',
        response: { 200: Me, ...errors() },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return { id: p.userId, email: p.email, role: p.role, sites: p.sites };
    },
  );
};
