import pg from 'pg';
import { COMMON_ERRORS, errorOptions, YshError } from '../errors.ts';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export interface PoolOptions {
  max?: number;
  /** How long to wait for a connection before failing (ms). */
  connectionTimeoutMillis?: number;
  application?: string;
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
  // An idle client losing its server must not crash the process; the next query reconnects.
  pool.on('error', () => {});
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
