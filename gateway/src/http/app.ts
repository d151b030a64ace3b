import type { HealthCheck } from '@ysh/common';
import type { Logger } from '@ysh/common';
import type { KvStore } from '@ysh/common/kv';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Ingestor } from '../ingest/ingestor.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { TokenAuthenticator } from '@ysh/common/registry';
import { authPlugin } from './auth-plugin.ts';
import { edgeFleetRoutes, type EdgeFleetRoutesOptions } from './edge-fleet-routes.ts';
import { installErrorHandling } from './error-handler.ts';
import { opsRoutes } from './ops-routes.ts';
import { telemetryRoutes } from './telemetry-routes.ts';

export interface AppOptions {
  logger: Logger;
  ingestor: Ingestor;
  authenticator: TokenAuthenticator;
  kv: KvStore;
  metrics: GatewayMetrics;
  checks: Record<string, HealthCheck>;
  bodyLimitBytes: number;
  maxDecompressedBytes: number;
  rateLimit: { max: number; windowMs: number };
  /** Enrollment, remote configuration and heartbeats of edge agents under /v1/edge. */
  fleet: Omit<EdgeFleetRoutesOptions, 'kv'>;
}

/** The gateway's Fastify app: ingest under /v1, /health and /metrics at the root. */
export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    // One line per request at thousands of requests/s costs more than it tells; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimitBytes,
    return503OnClosing: true,
    // A client that trickles its body (or never finishes it) is cut off instead of holding a socket forever.
    requestTimeout: 60_000,
  });
  installErrorHandling(app);
  app.addHook('onResponse', async (_request, reply) => {
    opts.metrics.responses.inc({ code: String(reply.statusCode) });
  });
  await app.register(authPlugin, { authenticator: opts.authenticator });
  await app.register(telemetryRoutes, {
    prefix: '/v1',
    ingestor: opts.ingestor,
    kv: opts.kv,
    metrics: opts.metrics,
    bodyLimitBytes: opts.bodyLimitBytes,
    maxDecompressedBytes: opts.maxDecompressedBytes,
    rateLimit: opts.rateLimit,
  });
  await app.register(edgeFleetRoutes, { prefix: '/v1/edge', kv: opts.kv, ...opts.fleet });
  await app.register(opsRoutes, { registry: opts.metrics.registry, checks: opts.checks });
  return app;
}
