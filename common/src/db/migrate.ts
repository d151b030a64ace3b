import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import type { Logger } from 'pino';
import { DatabaseError } from './pool.ts';

export const MIGRATIONS_DIR = join(import.meta.dirname, 'migrations');

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

const FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;
/** Arbitrary constant: the advisory lock every migration runner takes. */
const LOCK_KEY = 0x5953_4d31;

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = FILE.exec(file);
    if (!match)
      throw new DatabaseError('DB_MIGRATION_FAILED', `migration file ${file}: name must be NNNN_snake_case.sql`);
    const sql = await readFile(join(dir, file), 'utf8');
    migrations.push({
      version: Number(match[1]),
      name: match[2] as string,
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    });
  }
  const seen = new Set<number>();
  for (const m of migrations) {
    if (seen.has(m.version))
      throw new DatabaseError('DB_MIGRATION_FAILED', `two migrations share version ${m.version}`);
    seen.add(m.version);
  }
  return migrations;
}

export interface MigrateResult {
  applied: number[];
  current: number;
}

/**
 * Applies pending migrations in one transaction under a transaction-level
 * advisory lock, so two processes starting at once serialise and the second
 * finds nothing to do. Applying twice is a no-op. A migration whose file
 * changed after it was applied is an error, never silently re-run.
 */
export async function migrate(pool: pg.Pool, options: { logger?: Logger; dir?: string } = {}): Promise<MigrateResult> {
  const migrations = await loadMigrations(options.dir);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number; checksum: string }>(
      'SELECT version, checksum FROM schema_migrations',
    );
    const done = new Map(rows.map((r) => [r.version, r.checksum]));
    const applied: number[] = [];
    for (const m of migrations) {
      const checksum = done.get(m.version);
      if (checksum !== undefined) {
        if (checksum !== m.checksum) {
          throw new DatabaseError(
            'DB_MIGRATION_FAILED',
            `migration ${m.version}_${m.name} was changed after it was applied (recorded ${checksum.slice(0, 12)}, file ${m.checksum.slice(0, 12)})`,
          );
        }
        continue;
      }
      try {
        await client.query(m.sql);
      } catch (err) {
        throw new DatabaseError(
          'DB_MIGRATION_FAILED',
          `migration ${m.version}_${m.name} failed: ${(err as Error).message}`,
          err,
        );
      }
      await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
        m.version,
        m.name,
        m.checksum,
      ]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
    const current = Math.max(0, ...migrations.map((m) => m.version));
    if (applied.length > 0) options.logger?.info({ applied, current }, 'database migrations applied');
    return { applied, current };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
