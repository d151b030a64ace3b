import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from '@ysh/common';
import type { BatchServices } from '@ysh/common/domain';
import { type Pool, pingDatabase } from '@ysh/common/db';
import { SiteRegistry } from '@ysh/common/registry';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { auditPlugin } from './audit/audit-plugin.ts';
import type { ApiConfig } from './config.ts';
import { consoleStatic } from './console-static.ts';
import type { ApiContext } from './context.ts';
import { EventFeed } from './events/event-feed.ts';
import { installErrorHandling } from './http/error-handler.ts';
import { type ApiMetrics, createApiMetrics } from './http/metrics.ts';
import { ErrorBodySchema } from './http/schemas.ts';
import { authPlugin } from './identity/auth-plugin.ts';
import { IdentityStore } from './identity/identity-store.ts';
import { ROUTE_GROUPS } from './routes/index.ts';

export type AppConfig = Pick<
  ApiConfig,
  | 'bodyLimitBytes'
  | 'requestTimeoutMs'
  | 'connectionTimeoutMs'
  | 'rateLimit'
  | 'sessionTtlMs'
  | 'secureCookies'
  | 'corsOrigins'
  | 'tokenOverlapMs'
  | 'consoleDir'
  | 'eventPollMs'
>;

export interface AppDeps {
  pool: Pool;
  logger: Logger;
  config: AppConfig;
  /** Shared rate-limit counters across instances (YSH_REDIS_URL); absent: per process. */
  redis?: Redis;
  metrics?: ApiMetrics;
  /** The batch-jobs domain services (ServiceProvider.batch); absent: those routes answer 503. */
  batch?: BatchServices;
}

export type ApiApp = FastifyInstance & { ctx: ApiContext; metrics: ApiMetrics };

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** The admin API: /v1 route groups, /openapi.json, /docs, /health, /metrics, the console at /. */
export async function buildApp(deps: AppDeps): Promise<ApiApp> {
  const { config, pool, logger } = deps;
  const metrics = deps.metrics ?? createApiMetrics();
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: config.bodyLimitBytes,
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.connectionTimeoutMs,
    keepAliveTimeout: 5000,
    // Headers must arrive within the request timeout too, checked every second: a client that
    // trickles them (slowloris) is answered 408 and cut off instead of pinning a socket.
    http: { headersTimeout: config.requestTimeoutMs, connectionsCheckingInterval: 1000 },
    return503OnClosing: true,
    requestIdHeader: 'x-request-id',
    genReqId: (req) => {
      const sent = req.headers['x-request-id'];
      return typeof sent === 'string' && REQUEST_ID.test(sent) ? sent : randomUUID();
    },
    routerOptions: { maxParamLength: 200 },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const identity = new IdentityStore(pool, { sessionTtlMs: config.sessionTtlMs });
  const events = new EventFeed(pool, logger, config.eventPollMs);
  const ctx: ApiContext = {
    pool,
    identity,
    registry: new SiteRegistry(pool),
    events,
    config: {
      sessionTtlMs: config.sessionTtlMs,
      secureCookies: config.secureCookies,
      tokenOverlapMs: config.tokenOverlapMs,
    },
    logger,
    batch: deps.batch ?? null,
  };
  app.addHook('onClose', async () => events.stop());

  installErrorHandling(app);
  app.addSchema(ErrorBodySchema);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.requestDuration.observe(
      { route: request.routeOptions.url ?? 'unmatched', method: request.method, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  await app.register(helmet, { global: true });
  if (config.corsOrigins.length > 0) await app.register(cors, { origin: config.corsOrigins, credentials: true });
  await app.register(cookie);
  await app.register(rateLimit, {
    global: true,
    max: config.rateLimit.max,
    timeWindow: config.rateLimit.windowMs,
    ...(deps.redis ? { redis: deps.redis, nameSpace: 'ysh:api:rl:' } : {}),
    allowList: (request) => request.url === '/health' || request.url === '/metrics',
    errorResponseBuilder: (_request, context) =>
      Object.assign(new Error(`rate limit exceeded, retry in ${context.after}`), { statusCode: 429 }),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'YSH Telemetry admin API',
        version: '1.0.0',
        description: 'Operate the solar fleet: sites, devices, telemetry, alerts, jobs, users, audit, live events.',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'ysh_session' },
          apiKey: { type: 'http', scheme: 'bearer', description: 'ysh_k_… API key' },
        },
      },
      security: [{ session: [] }, { apiKey: [] }],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (json.$id as string) || `def-${i}` },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, uiConfig: { deepLinking: true } });
  await app.register(authPlugin, { ctx });
  await app.register(auditPlugin, { ctx });
  await app.register(
    async (v1) => {
      for (const group of ROUTE_GROUPS) await v1.register(group, { ctx });
    },
    { prefix: '/v1' },
  );

  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  app.get('/health', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => {
    const postgres = await pingDatabase(pool);
    return reply.code(postgres.ok ? 200 : 503).send({ ok: postgres.ok, checks: { postgres } });
  });
  app.get('/metrics', { config: { public: true }, schema: { hide: true } }, async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );

  // The web console's static build, with the SPA fallback to index.html for non-API GETs.
  const consoleDir = config.consoleDir === undefined ? undefined : resolve(config.consoleDir);
  if (consoleDir && existsSync(join(consoleDir, 'index.html'))) {
    await app.register(consoleStatic, { root: consoleDir });
  }

  return Object.assign(app, { ctx, metrics }) as unknown as ApiApp;
}
