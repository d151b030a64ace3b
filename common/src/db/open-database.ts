import type { DatabaseHandle, DatabaseOptions } from '../services/service-provider.ts';
import { migrate } from './migrate.ts';
import { createPool } from './pool.ts';

/** A real PostgreSQL server by URL: a pool, migrated unless told otherwise. */
export async function openDatabase(url: string, options: DatabaseOptions = {}): Promise<DatabaseHandle> {
  const pool = createPool(url, {
    application: options.application,
    max: options.max,
    logger: options.logger,
    connectionTimeoutMillis: options.connectionTimeoutMillis,
  });
  try {
    if (options.migrate ?? true) await migrate(pool, { logger: options.logger });
  } catch (err) {
    await pool.end().catch(() => {});
    throw err;
  }
  return {
    pool,
    url,
    mode: 'external',
    close: () => pool.end().catch(() => {}),
  };
}
