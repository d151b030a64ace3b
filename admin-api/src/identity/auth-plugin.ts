import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { ApiContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import { roleAtLeast } from './principal.ts';

export const SESSION_COOKIE = 'ysh_session';
export const CSRF_COOKIE = 'ysh_csrf';
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Authenticates every route not marked `public`: a Bearer API key (no CSRF: it is not
 * sent by browsers on their own) or the session cookie (mutations must echo the CSRF
 * token in x-csrf-token). Then the route's least role and its all-sites requirement.
 * Site scope is enforced by the routes' queries (another site's resource is a 404).
 */
async function authenticate(ctx: ApiContext, request: FastifyRequest): Promise<void> {
  const config = request.routeOptions.config;
  // Only the JSON API needs credentials; docs, /openapi.json, /health, /metrics and the console do not.
  if (config.public || !request.routeOptions.url?.startsWith('/v1/')) return;
  const auth = request.headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    const principal = m ? await ctx.identity.principalOfApiKey(m[1] as string) : undefined;
    if (!principal) throw new ApiError('API_UNAUTHENTICATED', 'the API key is unknown, revoked or of a disabled user');
    request.principal = principal;
  } else {
    const session = request.cookies[SESSION_COOKIE];
    const principal = session ? await ctx.identity.principalOfSession(session) : undefined;
    if (!principal) throw new ApiError('API_UNAUTHENTICATED', 'log in (POST /v1/auth/login) or send an API key');
    if (MUTATING.has(request.method)) {
      const sent = request.headers['x-csrf-token'];
      if (typeof sent !== 'string' || sent !== principal.csrf)
        throw new ApiError('API_CSRF', 'x-csrf-token must carry the value of the ysh_csrf cookie');
    }
    request.principal = principal;
  }
  const needed = config.role ?? 'admin';
  if (!roleAtLeast(request.principal.role, needed))
    throw new ApiError('API_FORBIDDEN', `this route needs the ${needed} role; you are ${request.principal.role}`);
  if (config.allSites && request.principal.sites !== null)
    throw new ApiError('API_FORBIDDEN', 'this route is for users whose scope is every site');
}

export const authPlugin = fp(
  async (app: FastifyInstance, opts: { ctx: ApiContext }) => {
    app.decorateRequest('principal', null);
    app.decorateRequest('audit', null);
    // onRequest: credentials are checked before a body is read or validated.
    app.addHook('onRequest', async (request) => authenticate(opts.ctx, request));
  },
  { name: 'ysh-auth', dependencies: ['@fastify/cookie'] },
);
