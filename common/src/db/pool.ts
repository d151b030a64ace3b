import pg from 'pg';
import { COMMON_ERRORS, errorOptions, YshError } from '../errors.ts';
import { createLogger, type Logger } from '../logger.ts';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export interface PoolOptions {
  max?: number;
  /** How long to wait for a connection before failing (ms). */
  connectionTimeoutMillis?: number;
  application?: string;
  /** Where connection errors outside any query are reported (default: a `db` logger on stdout). */
  logger?: Logger;
}

/**
 * A pg Pool for a PostgreSQL URL — a real server or the embedded PGlite
 * served over the wire protocol; the same code and SQL talk to both.
 */
export function createPool(url: string, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 5,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 10_000,
    application_name: options.application ?? 'ysh',
  });
  // An idle client losing its server must not crash the process (pg drops it; the next query reconnects),
  // but an operator must see that the database went away.
  const logger = options.logger ?? createLogger('db');
  pool.on('error', (err) => {
    // pg attaches the client (with its whole connection state) to the error: log what an operator reads.
    const { message, code } = err as Error & { code?: string };
    logger.warn(
      { err: { message, code }, application: options.application ?? 'ysh' },
      'idle database connection failed; it was dropped',
    );
  });
  return pool;
}

/** Reachability for /health: one round trip. */
export async function pingDatabase(pool: pg.Pool): Promise<{ ok: boolean; detail?: string }> {
  try {
    await pool.query('SELECT 1');
    return { ok: true };
  } catch (err) {
    return { ok: false, detail: err instanceof Error ? err.message : String(err) };
  }
}

export class DatabaseError extends YshError {
  constructor(code: 'DB_UNAVAILABLE' | 'DB_MIGRATION_FAILED', message: string, cause?: unknown) {
    super(code, message, errorOptions(COMMON_ERRORS, code, { cause }));
  }
}
