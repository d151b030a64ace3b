import type pg from 'pg';

/** A pool or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

export const msToIso = (ms: number): string => new Date(ms).toISOString();
export const tsToMs = (v: Date | string | null): number | null =>
  v === null ? null : v instanceof Date ? v.getTime() : Date.parse(v);

/** Runs `fn` in a transaction on its own client; rolls back on any error. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
