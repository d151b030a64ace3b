import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPool } from '@ysh/common/db';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.ts';

let server: EmbeddedPostgres;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ysh-wire-'));
  server = await startEmbeddedPostgres({ dataDir: dir, port: 0 });
  const pool = createPool(server.url);
  await pool.query('CREATE TABLE kv (k text PRIMARY KEY, v int NOT NULL)');
  await pool.end();
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('PGlite wire server', () => {
  it('gives every client its own answers under concurrent transactions and parameterised queries', async () => {
    const pools = Array.from({ length: 4 }, () => createPool(server.url, { max: 4 }));
    let wrong = 0;
    let done = 0;
    await Promise.all(
      pools.flatMap((pool, p) =>
        Array.from({ length: 4 }, async (_, c) => {
          for (let i = 0; i < 60; i++) {
            const key = `${p}-${c}-${i}`;
            if ((i + c) % 3 === 0) {
              const client = await pool.connect();
              try {
                await client.query('BEGIN');
                await client.query('INSERT INTO kv VALUES ($1, $2)', [key, i]);
                const { rows } = await client.query<{ k: string }>('SELECT k FROM kv WHERE k = $1', [key]);
                if (rows[0]?.k !== key) wrong++;
                await client.query('COMMIT');
              } finally {
                client.release();
              }
            } else {
              const { rows } = await pool.query<{ v: string }>('SELECT $1::text AS v', [key]);
              if (rows[0]?.v !== key) wrong++;
            }
            done++;
          }
        }),
      ),
    );
    await Promise.all(pools.map((p) => p.end()));
    expect({ done, wrong }).toEqual({ done: 960, wrong: 0 });
  });

  it('sends a slow reader exactly the bytes of its own answer while others keep querying', async () => {
    // A client that stops reading makes its socket queue the answer; the queued bytes must
    // be a copy, not a view into PGlite's memory that the next query overwrites.
    const slow = new pg.Client({ connectionString: server.url });
    await slow.connect();
    const stream = (slow as unknown as { connection: { stream: { pause(): void; resume(): void } } }).connection.stream;
    const big = slow.query<{ g: number; h: string }>('SELECT g, md5(g::text) AS h FROM generate_series(1, 100000) g');
    setTimeout(() => stream.pause(), 1);
    const pool = createPool(server.url, { max: 4 });
    await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 30; i++) await pool.query('SELECT g, repeat(md5(g::text), 20) FROM generate_series(1, 500) g');
    stream.resume();
    const { rows } = await big;
    expect(rows.length).toBe(100_000);
    expect(rows.filter((r) => r.h.length !== 32)).toEqual([]);
    expect(rows[99_999]).toEqual({ g: 100_000, h: createHash('md5').update('100000').digest('hex') });
    await slow.end();
    await pool.end();
  });

  it('rolls back the transaction of a client that vanished, and keeps serving the others', async () => {
    const quitter = new pg.Client({ connectionString: server.url });
    quitter.on('error', () => {}); // its socket is destroyed on purpose below
    await quitter.connect();
    await quitter.query('BEGIN');
    await quitter.query(`INSERT INTO kv VALUES ('never-committed', 1)`);
    // Destroy the socket without Terminate, as a killed process would.
    (quitter as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    const pool = createPool(server.url);
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM kv WHERE k = 'never-committed'`);
    expect(rows).toEqual([{ n: 0 }]);
    await pool.end();
  });

  it('lets a new client connect while another holds a transaction; its first query waits for the commit', async () => {
    const holder = new pg.Client({ connectionString: server.url });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query(`INSERT INTO kv VALUES ('held', 7)`);
    // A connection timeout far shorter than the transaction: connecting must not queue for the session.
    const late = new pg.Client({ connectionString: server.url, connectionTimeoutMillis: 1000 });
    await late.connect();
    let answered = false;
    const read = late.query<{ v: number }>(`SELECT v FROM kv WHERE k = 'held'`).then((r) => {
      answered = true;
      return r.rows;
    });
    await new Promise((r) => setTimeout(r, 1500));
    expect(answered).toBe(false);
    await holder.query('COMMIT');
    expect(await read).toEqual([{ v: 7 }]);
    await holder.end();
    await late.end();
  });

  it('closes only the connection that sends an absurd length prefix', async () => {
    const hostile = connect({ port: server.port, host: '127.0.0.1' });
    await new Promise<void>((r) => hostile.once('connect', () => r()));
    const closed = new Promise<void>((r) => hostile.once('close', () => r()));
    hostile.write(Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 3, 0, 0]));
    await closed;
    const pool = createPool(server.url);
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await pool.end();
  });

  it('answers an SSL request with "N" so clients fall back to plain TCP', async () => {
    const socket = connect({ port: server.port, host: '127.0.0.1' });
    await new Promise<void>((r) => socket.once('connect', () => r()));
    const answer = new Promise<string>((r) => socket.once('data', (d: Buffer) => r(d.toString())));
    const request = Buffer.alloc(8);
    request.writeInt32BE(8, 0);
    request.writeInt32BE(80877103, 4);
    socket.write(request);
    expect(await answer).toBe('N');
    socket.destroy();
  });
});
