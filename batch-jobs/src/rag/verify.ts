import type { Queryable } from '@ysh/common/db';
import { readAlias } from './manifest.ts';
import type { VectorMetadata, VectorStore } from './types.ts';
import { vectorId } from './types.ts';

/**
 * Reconciles the vector store with the manifest for a namespace's active version:
 * - missing: a committed manifest row whose id the store does not list;
 * - orphaned: an id the store lists that no manifest row has;
 * - stale: a manifest row left pending/upserted by an interrupted run, or recorded with another
 *   embedder or dimensions than the version's.
 * `repair` upserts missing and stale rows from the embedding the manifest keeps (no embedding
 * call), then commits them, and deletes the orphans.
 */
export interface VerifyReport {
  namespace: string;
  version: string | undefined;
  store: string;
  manifest: number;
  stored: number;
  missing: string[];
  orphaned: string[];
  stale: string[];
  repaired: boolean;
}

export async function verifyNamespace(
  db: Queryable,
  store: VectorStore,
  namespace: string,
  o: { repair?: boolean } = {},
): Promise<VerifyReport> {
  const alias = await readAlias(db, namespace);
  const empty: VerifyReport = {
    namespace,
    version: undefined,
    store: store.kind,
    manifest: 0,
    stored: 0,
    missing: [],
    orphaned: [],
    stale: [],
    repaired: false,
  };
  if (!alias) return empty;
  const version = alias.version;
  const { rows } = await db.query<{
    source: string;
    ordinal: number;
    state: string;
    embedder: string;
    dimensions: number;
  }>('SELECT source, ordinal, state, embedder, dimensions FROM rag_manifest WHERE version = $1', [version]);
  const listed = new Set(await store.listIds(version));
  const inManifest = new Set<string>();
  const missing: string[] = [];
  const stale: string[] = [];
  for (const r of rows) {
    const id = vectorId(r.source, r.ordinal);
    inManifest.add(id);
    if (r.state !== 'committed' || r.embedder !== alias.embedder || r.dimensions !== alias.dimensions) stale.push(id);
    else if (!listed.has(id)) missing.push(id);
  }
  const orphaned = [...listed].filter((id) => !inManifest.has(id)).sort();
  const report: VerifyReport = {
    namespace,
    version,
    store: store.kind,
    manifest: rows.length,
    stored: listed.size,
    missing: missing.sort(),
    orphaned,
    stale: stale.sort(),
    repaired: false,
  };
  if (!o.repair) return report;

  if (orphaned.length) await store.deleteMany(version, orphaned);
  const fix = [
    ...missing,
    ...stale.filter((id) =>
      rows.some(
        (r) =>
          vectorId(r.source, r.ordinal) === id && r.embedder === alias.embedder && r.dimensions === alias.dimensions,
      ),
    ),
  ];
  const { rows: kept } = await db.query<{
    source: string;
    ordinal: number;
    embedding: number[] | null;
    metadata: Record<string, unknown>;
    body: string;
  }>(
    `SELECT m.source, m.ordinal, m.embedding, c.metadata, c.body FROM rag_manifest m
     JOIN rag_chunks c USING (version, source, ordinal)
     WHERE m.version = $1 AND (m.source || '#' || m.ordinal) = ANY($2::text[])`,
    [version, fix],
  );
  const records = kept
    .filter((k) => k.embedding !== null)
    .map((k) => {
      const metadata: VectorMetadata = {};
      for (const [key, v] of Object.entries(k.metadata))
        if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') metadata[key] = v;
      metadata.text = k.body;
      return { id: vectorId(k.source, k.ordinal), values: (k.embedding ?? []).map(Number), metadata };
    });
  for (let i = 0; i < records.length; i += 500) await store.upsert(version, records.slice(i, i + 500));
  await db.query(
    `UPDATE rag_manifest SET state = 'committed', updated_at = now()
     WHERE version = $1 AND (source || '#' || ordinal) = ANY($2::text[]) AND embedding IS NOT NULL`,
    [version, records.map((r) => r.id)],
  );
  // rows of another embedder cannot be repaired from their embedding: drop them, the next index run re-embeds
  const foreign = rows.filter((r) => r.embedder !== alias.embedder || r.dimensions !== alias.dimensions);
  if (foreign.length) {
    await store.deleteMany(
      version,
      foreign.map((r) => vectorId(r.source, r.ordinal)),
    );
    await db.query('DELETE FROM rag_manifest WHERE version = $1 AND (embedder <> $2 OR dimensions <> $3)', [
      version,
      alias.embedder,
      alias.dimensions,
    ]);
  }
  return { ...report, repaired: true };
}
