import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

/**
 * The web console's static build at `/`, public (the login screen must load before anyone is
 * logged in; the data behind it is under /v1 and authenticated there): hashed assets cached for
 * a year, index.html never, and every other non-/v1 GET answered with index.html so the
 * console's own routes (/sites/…, /alerts) survive a reload. Registered without fastify-plugin:
 * the onRoute hook marks only the routes of this plugin public.
 */
export const consoleStatic: FastifyPluginAsync<{ root: string }> = async (app, { root }) => {
  app.addHook('onRoute', (route) => {
    route.config = { ...(route.config as object), public: true } as typeof route.config;
    route.schema = { ...route.schema, hide: true };
  });
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: false,
    setHeaders: (res, path) => {
      res.setHeader('cache-control', path.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable');
    },
  });
  app.get('/*', async (request, reply) => {
    if (request.url.startsWith('/v1/') || request.url === '/v1') return reply.callNotFound();
    reply.header('cache-control', 'no-cache');
    return reply.sendFile('index.html');
  });
};
