import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { createPool, migrate, type Pool } from '@ysh/common/db';
import { RedisKv, type KvStore } from '@ysh/common/kv';
import type { CommonConfig } from '@ysh/common';
import type { Logger } from 'pino';
import { MemoryKv } from './kv/memory-kv.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './postgres/embedded-postgres.ts';

export interface DatabaseHandle {
  pool: Pool;
  url: string;
  /** 'external' (YSH_DATABASE_URL), 'embedded-hosted' (this process serves PGlite) or 'embedded-remote' (another process does). */
  mode: 'external' | 'embedded-hosted' | 'embedded-remote';
  close(): Promise<void>;
}

function portOpen(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect({ port, host });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * The database of a component: the server named by YSH_DATABASE_URL, or the
 * embedded PGlite — joined over the wire when another process already serves
 * it on the embedded port, started and served by this process otherwise.
 * Migrations are applied in every case (idempotent, safe concurrently).
 */
export async function connectDatabase(
  config: Pick<CommonConfig, 'databaseUrl' | 'dataDir' | 'embedded'>,
  options: { logger?: Logger; application?: string; max?: number; migrate?: boolean } = {},
): Promise<DatabaseHandle> {
  let hosted: EmbeddedPostgres | undefined;
  let url = config.databaseUrl;
  let mode: DatabaseHandle['mode'] = 'external';
  if (!url) {
    const port = config.embedded.postgresPort;
    if (await portOpen(port)) {
      mode = 'embedded-remote';
      url = `postgres://postgres@127.0.0.1:${port}/postgres?sslmode=disable`;
    } else {
      hosted = await startEmbeddedPostgres({ dataDir: join(config.dataDir, 'postgres'), port, logger: options.logger });
      mode = 'embedded-hosted';
      url = hosted.url;
    }
  }
  const pool = createPool(url, { application: options.application, max: options.max, logger: options.logger });
  try {
    if (options.migrate ?? true) await migrate(pool, { logger: options.logger });
  } catch (err) {
    await pool.end().catch(() => {});
    await hosted?.close();
    throw err;
  }
  return {
    pool,
    url,
    mode,
    async close() {
      await pool.end().catch(() => {});
      await hosted?.close();
    },
  };
}

/** Redis when YSH_REDIS_URL is set, the in-process store otherwise. */
export function connectKv(config: Pick<CommonConfig, 'redisUrl' | 'redisPrefix'>): KvStore {
  return config.redisUrl ? new RedisKv(config.redisUrl, { keyPrefix: config.redisPrefix }) : new MemoryKv();
}

/** The MQTT broker URL: YSH_MQTT_URL, or the embedded broker's port. */
export function mqttUrl(config: Pick<CommonConfig, 'mqttUrl' | 'embedded'>): string {
  return config.mqttUrl ?? `mqtt://127.0.0.1:${config.embedded.mqttPort}`;
}

/** Kafka bootstrap brokers: YSH_KAFKA_BROKERS, or the embedded broker's port. */
export function kafkaBrokers(config: Pick<CommonConfig, 'kafkaBrokers' | 'embedded'>): string[] {
  return config.kafkaBrokers ?? [`127.0.0.1:${config.embedded.kafkaPort}`];
}
