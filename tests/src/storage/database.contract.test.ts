import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIGRATIONS_DIR, createPool, loadMigrations, migrate } from '@ysh/common/db';
import { startEmbeddedPostgres } from '@ysh/embedded';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_KINDS, type TestDatabase } from '@ysh/test-helpers';

const YSH_BIN = join(import.meta.dirname, '..', '..', '..', 'cli', 'bin', 'ysh.mjs');

for (const target of DATABASE_KINDS) {
  describe.skipIf(!target.enabled)(`database contract on ${target.kind}`, () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await target.open();
    });
    afterAll(async () => {
      await db?.close();
    });

    it('has every migration recorded once with its checksum', async () => {
      const files = await loadMigrations();
      const { rows } = await db.pool.query<{ version: number; checksum: string }>(
        'SELECT version, checksum FROM schema_migrations ORDER BY version',
      );
      expect(rows).toEqual(files.map((m) => ({ version: m.version, checksum: m.checksum })));
    });

    it('applying the migrations again is a no-op', async () => {
      const before = await db.pool.query('SELECT version, applied_at FROM schema_migrations ORDER BY version');
      const again = await migrate(db.pool);
      expect(again.applied).toEqual([]);
      const after = await db.pool.query('SELECT version, applied_at FROM schema_migrations ORDER BY version');
      expect(after.rows).toEqual(before.rows);
    });

    it('two concurrent runners on a fresh database apply each migration exactly once', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'ysh-mig-'));
      // A private migration set in its own schema, so the shared tables are untouched.
      const schema = `mig_${Math.random().toString(36).slice(2, 8)}`;
      await writeFile(
        join(dir, '0001_a.sql'),
        `CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.t (id int PRIMARY KEY);`,
      );
      await writeFile(join(dir, '0002_b.sql'), `INSERT INTO ${schema}.t VALUES (1); SELECT pg_sleep(0.2);`);
      await writeFile(join(dir, '0003_c.sql'), `INSERT INTO ${schema}.t VALUES (2);`);
      const fresh = await target.open({ migrate: false });
      const pools = [fresh.pool, createPool(fresh.url), createPool(fresh.url)];
      const runs = await Promise.all(pools.map((pool) => migrate(pool, { dir })));
      const applied = runs.flatMap((r) => r.applied).sort();
      expect(applied).toEqual([1, 2, 3]);
      const { rows } = await fresh.pool.query(`SELECT id FROM ${schema}.t ORDER BY id`);
      expect(rows).toEqual([{ id: 1 }, { id: 2 }]);
      await Promise.all(pools.slice(1).map((pool) => pool.end()));
      await fresh.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('refuses to run when an applied migration file was changed', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'ysh-mig-'));
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
      const first = (await loadMigrations(dir))[0];
      if (!first) throw new Error('no migrations');
      await writeFile(
        join(dir, `${String(first.version).padStart(4, '0')}_${first.name}.sql`),
        `${first.sql}\n-- edited\n`,
      );
      await expect(migrate(db.pool, { dir })).rejects.toMatchObject({ code: 'DB_MIGRATION_FAILED' });
      await rm(dir, { recursive: true, force: true });
    });

    it('enforces the registry constraints', async () => {
      await db.pool.query(`INSERT INTO sites (id, name) VALUES ('site-sp-001', 'São Paulo 1')`);
      await expect(db.pool.query(`INSERT INTO sites (id) VALUES ('Bad Site!')`)).rejects.toThrow(/check constraint/);
      await db.pool.query(`INSERT INTO devices (site_id, id, nameplate_w) VALUES ('site-sp-001', 'inv-0001', 5000)`);
      await expect(db.pool.query(`INSERT INTO devices (site_id, id) VALUES ('site-nope', 'inv-0002')`)).rejects.toThrow(
        /foreign key/,
      );
      await db.pool.query(
        `INSERT INTO site_tokens (site_id, token_hash) VALUES ('site-sp-001', sha256('secret'::bytea))`,
      );
      await expect(
        db.pool.query(`INSERT INTO site_tokens (site_id, token_hash) VALUES ('site-sp-001', sha256('secret'::bytea))`),
      ).rejects.toThrow(/duplicate key/);
      const { rows } = await db.pool.query(
        `SELECT s.id FROM site_tokens t JOIN sites s ON s.id = t.site_id WHERE t.token_hash = sha256('secret'::bytea) AND t.revoked_at IS NULL`,
      );
      expect(rows).toEqual([{ id: 'site-sp-001' }]);
    });

    it('keeps a transaction isolated from other connections until commit', async () => {
      const a = await db.pool.connect();
      const b = createPool(db.url);
      try {
        await a.query('BEGIN');
        await a.query(`INSERT INTO sites (id) VALUES ('site-tx-001')`);
        await a.query('ROLLBACK');
        const { rows } = await b.query(`SELECT count(*)::int AS n FROM sites WHERE id = 'site-tx-001'`);
        expect(rows).toEqual([{ n: 0 }]);
      } finally {
        a.release();
        await b.end();
      }
    });
  });
}

describe('embedded PostgreSQL (PGlite)', () => {
  it('is file-backed: data survives a restart on the same directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ysh-pgfile-'));
    let server = await startEmbeddedPostgres({ dataDir: dir, port: 0 });
    let pool = createPool(server.url);
    await migrate(pool);
    await pool.query(`INSERT INTO sites (id, name) VALUES ('site-mg-003', 'Minas 3')`);
    await pool.end();
    await server.close();
    server = await startEmbeddedPostgres({ dataDir: dir, port: 0 });
    pool = createPool(server.url);
    expect((await migrate(pool)).applied).toEqual([]);
    const { rows } = await pool.query(`SELECT id, name FROM sites`);
    expect(rows).toEqual([{ id: 'site-mg-003', name: 'Minas 3' }]);
    await pool.end();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('has pgvector', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ysh-pgvec-'));
    const server = await startEmbeddedPostgres({ dataDir: dir, port: 0 });
    const pool = createPool(server.url);
    await pool.query('CREATE EXTENSION IF NOT EXISTS vector');
    await pool.query('CREATE TABLE chunks (id int, embedding vector(3))');
    await pool.query(`INSERT INTO chunks VALUES (1, '[1,0,0]'), (2, '[0,1,0]'), (3, '[0.9,0.1,0]')`);
    const { rows } = await pool.query(`SELECT id FROM chunks ORDER BY embedding <-> '[1,0,0]' LIMIT 2`);
    expect(rows).toEqual([{ id: 1 }, { id: 3 }]);
    await pool.end();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a second process on the same data directory, naming the owner', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ysh-pglock-'));
    const server = await startEmbeddedPostgres({ dataDir: dir, port: 0 });
    const child = spawn(process.execPath, [YSH_BIN, 'postgres', '--port', '0', '--data-dir', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      `ysh postgres: EMB_DATA_DIR_IN_USE: ${dir} is in use by process ${process.pid} (postgres); connect to it instead of opening it again`,
    );
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
});
