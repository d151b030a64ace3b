import type { DatabaseHandle, Logger, ServiceProvider } from '@ysh/common';
import type { BatchServices } from '@ysh/common/domain';
import { Redis } from 'ioredis';
import { type ApiApp, buildApp } from './app.ts';
import type { ApiConfig } from './config.ts';

export interface AdminApi {
  app: ApiApp;
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Opens the database (migrated) and Redis when configured, and serves the API. */
export async function startApi(
  config: Readonly<ApiConfig>,
  deps: { logger: Logger; services: ServiceProvider },
): Promise<AdminApi> {
  const db: DatabaseHandle = await deps.services.database({ logger: deps.logger, application: 'ysh-api', max: 10 });
  const redis = config.common.redisUrl
    ? new Redis(config.common.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: false })
    : undefined;
  redis?.on('error', (err: Error) => deps.logger.warn({ err: err.message }, 'redis'));
  let app: ApiApp;
  let batch: BatchServices | undefined;
  try {
    batch = await deps.services.batch?.(db.pool, deps.logger);
    if (!batch)
      deps.logger.warn(
        'no batch-jobs services from the wiring: tariff, catalog, proposal, search and run routes answer 503',
      );
    app = await buildApp({
      pool: db.pool,
      logger: deps.logger,
      config,
      ...(redis ? { redis } : {}),
      ...(batch ? { batch } : {}),
    });
    await app.ctx.events.start();
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    await batch?.close();
    redis?.disconnect();
    await db.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  deps.logger.info({ url, docs: `${url}/docs` }, 'admin API listening');
  return {
    app,
    url,
    port,
    async close() {
      await app.close();
      await batch?.close();
      redis?.disconnect();
      await db.close();
    },
  };
}
