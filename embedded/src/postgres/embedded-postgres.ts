import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import type { Logger } from 'pino';
import { acquireDirLock, type DirLock } from './dir-lock.ts';
import { PgliteWireServer } from './wire-server.ts';

export interface EmbeddedPostgresOptions {
  /** Directory of the database files; created when missing. */
  dataDir: string;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  logger?: Logger;
}

export interface EmbeddedPostgres {
  url: string;
  port: number;
  db: PGlite;
  close(): Promise<void>;
}

/**
 * PostgreSQL as PGlite (WASM), file-backed, with pgvector, served over the
 * Postgres wire protocol so every component uses the same `pg` code and the
 * same migrations as against a real server (requests of concurrent clients are
 * serialised whole, see wire-server.ts). PGlite is single-process: a lock
 * file keeps a second process from opening the same directory.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  await mkdir(options.dataDir, { recursive: true });
  const lock: DirLock = await acquireDirLock(options.dataDir, 'postgres');
  let db: PGlite | undefined;
  try {
    db = await PGlite.create({ dataDir: join(options.dataDir, 'pgdata'), extensions: { vector } });
    const host = options.host ?? '127.0.0.1';
    const server = new PgliteWireServer({ db, host, port: options.port ?? 0, logger: options.logger });
    const port = await server.start();
    const opened = db;
    options.logger?.info({ port, dataDir: options.dataDir }, 'embedded postgres listening');
    return {
      url: `postgres://postgres@${host}:${port}/postgres?sslmode=disable`,
      port,
      db: opened,
      async close() {
        await server.stop();
        await opened.close();
        await lock.release();
      },
    };
  } catch (err) {
    await db?.close().catch(() => {});
    await lock.release();
    throw err;
  }
}
