import { createHash } from 'node:crypto';
import type { Queryable } from '@ysh/common/db';

/**
 * The manifest (table rag_manifest) is the truth of what an index version holds: one row per
 * (version, source, ordinal) with the hash of the embedded text, the hash of its metadata, the
 * embedder id and dimensions, the chunker id and the write state. The vector store is brought to
 * equal it; `ysh rag verify` checks that it does.
 *
 * A version is a namespace built by one embedder and one chunker: `<namespace>-<hash>`. Changing
 * either gives a new version, built beside the old one; rag_aliases names the version searches
 * read, switched when the new one is complete.
 */
export type ChunkState = 'pending' | 'upserted' | 'committed';

export interface ManifestRow {
  source: string;
  ordinal: number;
  contentHash: string;
  metaHash: string;
  state: ChunkState;
  hasEmbedding: boolean;
}

export interface Alias {
  namespace: string;
  version: string;
  embedder: string;
  dimensions: number;
  chunker: string;
}

export const sha = (s: string) => createHash('sha256').update(s).digest('hex');

export function indexVersion(namespace: string, embedderId: string, dimensions: number, chunker: string): string {
  return `${namespace}-${sha(`${embedderId}|${dimensions}|${chunker}`).slice(0, 10)}`;
}

export async function readAlias(db: Queryable, namespace: string): Promise<Alias | undefined> {
  const { rows } = await db.query<Alias>(
    'SELECT namespace, version, embedder, dimensions, chunker FROM rag_aliases WHERE namespace = $1',
    [namespace],
  );
  return rows[0];
}

export async function readAliases(db: Queryable): Promise<Alias[]> {
  const { rows } = await db.query<Alias>(
    'SELECT namespace, version, embedder, dimensions, chunker FROM rag_aliases ORDER BY namespace',
  );
  return rows;
}

export async function switchAlias(db: Queryable, a: Alias): Promise<void> {
  await db.query(
    `INSERT INTO rag_aliases (namespace, version, embedder, dimensions, chunker) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (namespace) DO UPDATE SET version = EXCLUDED.version, embedder = EXCLUDED.embedder,
       dimensions = EXCLUDED.dimensions, chunker = EXCLUDED.chunker, switched_at = now()`,
    [a.namespace, a.version, a.embedder, a.dimensions, a.chunker],
  );
}

export async function readManifest(db: Queryable, version: string): Promise<Map<string, ManifestRow>> {
  const { rows } = await db.query<{
    source: string;
    ordinal: number;
    content_hash: string;
    meta_hash: string;
    state: ChunkState;
    has_embedding: boolean;
  }>(
    `SELECT source, ordinal, content_hash, meta_hash, state, embedding IS NOT NULL AS has_embedding
     FROM rag_manifest WHERE version = $1`,
    [version],
  );
  const out = new Map<string, ManifestRow>();
  for (const r of rows)
    out.set(`${r.source}#${r.ordinal}`, {
      source: r.source,
      ordinal: r.ordinal,
      contentHash: r.content_hash,
      metaHash: r.meta_hash,
      state: r.state,
      hasEmbedding: r.has_embedding,
    });
  return out;
}

/** Versions with manifest rows other than the alias's (an unfinished build, or an old version). */
export async function otherVersions(db: Queryable, namespace: string, except: string): Promise<string[]> {
  const { rows } = await db.query<{ version: string }>(
    'SELECT DISTINCT version FROM rag_manifest WHERE namespace = $1 AND version <> $2',
    [namespace, except],
  );
  return rows.map((r) => r.version);
}

export async function dropVersionRows(db: Queryable, version: string): Promise<void> {
  await db.query('DELETE FROM rag_manifest WHERE version = $1', [version]);
  await db.query('DELETE FROM rag_chunks WHERE version = $1', [version]);
  await db.query('DELETE FROM rag_documents WHERE version = $1', [version]);
}

/** Document hash and chunk count of each document indexed whole in this version. */
export async function readDocuments(
  db: Queryable,
  version: string,
): Promise<Map<string, { docHash: string; chunks: number }>> {
  const { rows } = await db.query<{ source: string; doc_hash: string; chunks: number }>(
    'SELECT source, doc_hash, chunks FROM rag_documents WHERE version = $1',
    [version],
  );
  return new Map(rows.map((r) => [r.source, { docHash: r.doc_hash, chunks: r.chunks }]));
}
