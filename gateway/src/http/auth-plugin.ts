import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { GatewayError } from '../errors.ts';
import type { TokenAuthenticator } from '@ysh/common/registry';

declare module 'fastify' {
  interface FastifyRequest {
    /** The site whose token authenticated the request. */
    site: string | null;
  }
  interface FastifyInstance {
    requireSite: (request: FastifyRequest) => Promise<void>;
  }
}

const BEARER = /^Bearer\s+(\S{1,512})\s*$/i;

/** Bearer site tokens: `requireSite` is an onRequest hook (runs before the body is read). */
export const authPlugin = fp(
  async (app: FastifyInstance, opts: { authenticator: TokenAuthenticator; onQuery?: () => void }) => {
    app.decorateRequest('site', null);
    app.decorate('requireSite', async (request: FastifyRequest) => {
      const header = request.headers.authorization;
      const match = header ? BEARER.exec(header) : null;
      if (!match) throw new GatewayError('GW_UNAUTHENTICATED', 'Authorization: expected "Bearer <site token>"');
      let site: string | null;
      try {
        site = await opts.authenticator.siteOf(match[1] as string);
      } catch (err) {
        throw new GatewayError('GW_DEPENDENCY_UNAVAILABLE', `site registry: ${(err as Error).message}`, {
          cause: err,
          retryAfterSeconds: 2,
        });
      }
      if (!site) throw new GatewayError('GW_UNAUTHENTICATED', 'Authorization: the token is unknown or revoked');
      request.site = site;
    });
  },
  { name: 'ysh-auth', fastify: '5.x' },
);
