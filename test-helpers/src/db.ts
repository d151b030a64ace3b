import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPool, migrate, type Pool } from '@ysh/common/db';
import { startEmbeddedPostgres } from '@ysh/embedded';
import { serviceUrl } from './services.ts';

export interface TestDatabase {
  kind: 'pglite' | 'postgres';
  url: string;
  pool: Pool;
  close(): Promise<void>;
}

/** A fresh embedded PGlite database in a temp directory, served on an ephemeral port, migrated. */
export async function testDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const dir = await mkdtemp(join(tmpdir(), 'ysh-pg-'));
  const server = await startEmbeddedPostgres({ dataDir: dir, port: 0 });
  const pool = createPool(server.url);
  if (options.migrate ?? true) await migrate(pool);
  return {
    kind: 'pglite',
    url: server.url,
    pool,
    async close() {
      await pool.end();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A fresh database on the real PostgreSQL named by YSH_TEST_DATABASE_URL
 * (created for the caller, dropped on close); undefined when it is not set.
 */
export async function realTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase | undefined> {
  const base = serviceUrl('postgres');
  if (!base) return undefined;
  const name = `ysh_test_${randomBytes(6).toString('hex')}`;
  const admin = createPool(base, { max: 1 });
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  const pool = createPool(url.toString());
  if (options.migrate ?? true) await migrate(pool);
  return {
    kind: 'postgres',
    url: url.toString(),
    pool,
    async close() {
      await pool.end();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/** The database kinds a storage contract test runs against here: PGlite always, PostgreSQL when configured. */
export const DATABASE_KINDS: Array<{
  kind: 'pglite' | 'postgres';
  enabled: boolean;
  open: (options?: { migrate?: boolean }) => Promise<TestDatabase>;
}> = [
  { kind: 'pglite', enabled: true, open: (options) => testDatabase(options) },
  {
    kind: 'postgres',
    enabled: serviceUrl('postgres') !== undefined,
    open: async (options) => (await realTestDatabase(options)) as TestDatabase,
  },
];
