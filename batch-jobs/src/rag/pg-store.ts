import type { Queryable } from '@ysh/common/db';
import { JobsError } from '../errors.ts';
import type { StoreFilter, VectorMatch, VectorMetadata, VectorRecord, VectorStore } from './types.ts';

/** True when the database has the rag_vectors table (created by migration 0330 where pgvector exists). */
export async function hasPgVector(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ t: string | null }>(`SELECT to_regclass('rag_vectors')::text AS t`);
  return rows[0]?.t != null;
}

const literal = (v: number[]) => `[${v.join(',')}]`;

/** Metadata filter as SQL over a jsonb column `m`; params appended to `params`. */
export function filterSql(f: StoreFilter | undefined, params: unknown[], m = 'metadata'): string {
  if (!f) return '';
  const parts: string[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (f.kind !== undefined) parts.push(`${m}->>'kind' = ${p(f.kind)}`);
  if (f.brand !== undefined) parts.push(`lower(${m}->>'brand') = lower(${p(f.brand)})`);
  if (f.powerMinW !== undefined) parts.push(`(${m}->>'power_w')::float8 >= ${p(f.powerMinW)}`);
  if (f.powerMaxW !== undefined) parts.push(`(${m}->>'power_w')::float8 <= ${p(f.powerMaxW)}`);
  if (f.priceMinBrl !== undefined) parts.push(`(${m}->>'price_brl')::float8 >= ${p(f.priceMinBrl)}`);
  if (f.priceMaxBrl !== undefined) parts.push(`(${m}->>'price_brl')::float8 <= ${p(f.priceMaxBrl)}`);
  return parts.map((s) => ` AND ${s}`).join('');
}

/** pgvector as the vector store: table rag_vectors, one "namespace" per index version, exact cosine search. */
export function pgVectorStore(db: Queryable): VectorStore {
  const wrap = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if ((err as { code?: string }).code === '42P01')
        throw new JobsError(
          'JOBS_RAG_VECTOR_UNAVAILABLE',
          'this PostgreSQL has no pgvector (table rag_vectors missing)',
          {
            cause: err,
          },
        );
      throw new JobsError('JOBS_RAG_STORE_FAILED', `pgvector ${what}: ${(err as Error).message}`, { cause: err });
    }
  };
  return {
    kind: 'pgvector',
    async upsert(namespace: string, records: VectorRecord[]) {
      if (!records.length) return;
      await wrap('upsert', () =>
        db.query(
          `INSERT INTO rag_vectors (version, id, embedding, metadata)
           SELECT $1, r.id, r.e::vector, r.m FROM unnest($2::text[], $3::text[], $4::jsonb[]) AS r(id, e, m)
           ON CONFLICT (version, id) DO UPDATE SET embedding = EXCLUDED.embedding, metadata = EXCLUDED.metadata`,
          [
            namespace,
            records.map((r) => r.id),
            records.map((r) => literal(r.values)),
            records.map((r) => JSON.stringify(r.metadata)),
          ],
        ),
      );
    },
    async updateMetadata(namespace: string, id: string, metadata: VectorMetadata) {
      await wrap('update', () =>
        db.query('UPDATE rag_vectors SET metadata = $3 WHERE version = $1 AND id = $2', [
          namespace,
          id,
          JSON.stringify(metadata),
        ]),
      );
    },
    async deleteMany(namespace: string, ids: string[]) {
      if (!ids.length) return;
      await wrap('delete', () =>
        db.query('DELETE FROM rag_vectors WHERE version = $1 AND id = ANY($2::text[])', [namespace, ids]),
      );
    },
    async deleteNamespace(namespace: string) {
      await wrap('delete', () => db.query('DELETE FROM rag_vectors WHERE version = $1', [namespace]));
    },
    async listIds(namespace: string) {
      const { rows } = await wrap('list', () =>
        db.query<{ id: string }>('SELECT id FROM rag_vectors WHERE version = $1 ORDER BY id', [namespace]),
      );
      return rows.map((r) => r.id);
    },
    async query(namespace: string, vector: number[], topK: number, filter?: StoreFilter): Promise<VectorMatch[]> {
      const params: unknown[] = [namespace, literal(vector), topK];
      const where = filterSql(filter, params);
      const { rows } = await wrap('query', () =>
        db.query<{ id: string; score: number }>(
          `SELECT id, 1 - (embedding <=> $2::vector) AS score FROM rag_vectors
           WHERE version = $1${where} ORDER BY embedding <=> $2::vector LIMIT $3`,
          params,
        ),
      );
      return rows.map((r) => ({ id: r.id, score: Number(r.score) }));
    },
  };
}

/**
 * The store of a PostgreSQL without pgvector and without Pinecone: vectors are not kept, searches
 * are full-text only (searchChunks reports mode 'fulltext'). Chunk text and manifest are still
 * written, so switching to a vector store later re-indexes from the same documents.
 */
export function noVectorStore(): VectorStore {
  return {
    kind: 'none',
    async upsert() {},
    async updateMetadata() {},
    async deleteMany() {},
    async deleteNamespace() {},
    async listIds() {
      throw new JobsError(
        'JOBS_RAG_VECTOR_UNAVAILABLE',
        'no vector store: PostgreSQL has no pgvector and Pinecone is not configured',
      );
    },
    async query() {
      return [];
    },
  };
}

/** pgvector when this database has it, else the full-text-only store. */
export async function defaultStore(db: Queryable): Promise<VectorStore> {
  return (await hasPgVector(db)) ? pgVectorStore(db) : noVectorStore();
}
