import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import type { CommonConfig, DatabaseHandle, DatabaseOptions } from '@ysh/common';
import { openDatabase } from '@ysh/common/db';
import { startEmbeddedPostgres } from './postgres/embedded-postgres.ts';

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
 * How long a query waits for a connection of its pool on the embedded database. Every connection
 * there shares PGlite's one session, so that wait includes another process's transaction (a
 * catalog materialization, a checkpoint burst) on a loaded 2-core machine: a wait, not an outage.
 * Connecting itself is immediate (the wire server answers the startup at once), and a database
 * that is gone still fails at once (connection refused).
 */
export const EMBEDDED_POOL_WAIT_MS = 120_000;

/**
 * The embedded PGlite database: joined over the wire when another process
 * already serves it on the embedded port, started and served by this process
 * otherwise. Migrations are applied in both cases (idempotent, safe concurrently).
 */
export async function connectEmbeddedDatabase(
  config: Pick<CommonConfig, 'dataDir' | 'embedded'>,
  options: DatabaseOptions = {},
): Promise<DatabaseHandle> {
  const port = config.embedded.postgresPort;
  options = { connectionTimeoutMillis: EMBEDDED_POOL_WAIT_MS, ...options };
  if (await portOpen(port)) {
    const db = await openDatabase(`postgres://postgres@127.0.0.1:${port}/postgres?sslmode=disable`, options);
    return { ...db, mode: 'embedded-remote' };
  }
  const hosted = await startEmbeddedPostgres({
    dataDir: join(config.dataDir, 'postgres'),
    port,
    logger: options.logger,
  });
  try {
    const db = await openDatabase(hosted.url, options);
    return {
      ...db,
      mode: 'embedded-hosted',
      async close() {
        await db.close();
        await hosted.close();
      },
    };
  } catch (err) {
    await hosted.close();
    throw err;
  }
}
