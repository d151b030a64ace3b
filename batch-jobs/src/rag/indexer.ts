import type { Queryable } from '@ysh/common/db';
import { JobsError } from '../errors.ts';
import { chunkDocument, chunkerId, DEFAULT_CHUNKER, type ChunkerOptions } from './chunker.ts';
import {
  dropVersionRows,
  indexVersion,
  otherVersions,
  readAlias,
  readDocuments,
  readManifest,
  sha,
  switchAlias,
  type ManifestRow,
} from './manifest.ts';
import { canonicalJson } from '../versions/data-version.ts';
import { countTokens } from './tokenizer.ts';
import type { Chunk, Embedder, SourceDocument, VectorMetadata, VectorRecord, VectorStore } from './types.ts';
import { vectorId } from './types.ts';

/**
 * Brings one namespace's index to match its documents, exactly and resumably.
 *
 * Each chunk's manifest row is compared with the chunk: same embedded text → no embedding call
 * (a changed metadata hash alone is a metadata update in the store); new or changed text →
 * embedded; rows whose chunk no longer exists (document deleted or shortened) → deleted from the
 * store, then from the manifest. Writes go pending (embedding kept in the manifest, chunk text in
 * rag_chunks, one statement) → store upsert → upserted → committed, so a process killed at any
 * point leaves every vector in the store with a manifest row (no orphan), and a restart upserts
 * the pending rows from their kept embedding instead of embedding them again.
 *
 * When the embedder or chunker differs from the alias's, everything is built into a new version;
 * searches keep reading the old one until the alias is switched at the end, then the old version
 * is deleted from the store and the manifest.
 */
export interface EmbedLimits {
  maxInputs: number;
  maxTokensPerRequest: number;
  maxTokensPerInput: number;
}

/** OpenAI's embeddings limits: 2,048 inputs, 300,000 tokens per request, 8,192 per input. */
export const OPENAI_LIMITS: EmbedLimits = { maxInputs: 2048, maxTokensPerRequest: 300_000, maxTokensPerInput: 8192 };

/** Pinecone's upsert limits: 1,000 records and 2 MB per request; 40 KB of metadata per record. */
export const STORE_LIMITS = { maxRecords: 1000, maxBytes: 2_000_000, maxMetadataBytes: 40_000 };

export interface IndexOptions {
  namespace: string;
  /** The whole set of documents of the namespace: a source missing here is deleted from the index. */
  documents: SourceDocument[];
  embedder: Embedder;
  store: VectorStore;
  chunker?: ChunkerOptions;
  limits?: EmbedLimits;
  /** Sources absent from `documents` whose chunks must stay (e.g. a file that failed to parse this time). */
  keepSources?: readonly string[];
  /** Refuse (before any embedding) a run whose planned cost exceeds this, US$. */
  budgetUsd?: number;
  jobRunId?: string;
  assetKey?: string;
  signal?: AbortSignal;
  progress?: (done: number, total: number, message: string) => void;
}

export interface IndexPlan {
  namespace: string;
  version: string;
  /** the version searches read now (undefined before the first build) */
  activeVersion: string | undefined;
  rebuild: boolean;
  embedder: string;
  documents: number;
  chunks: number;
  toEmbed: number;
  tokens: number;
  costUsd: number;
  /** pending/upserted rows of a crashed run, upserted again from their kept embedding */
  toResume: number;
  metadataUpdates: number;
  deletes: number;
  unchanged: number;
  /** documents whose hash matched the last complete run's: not chunked again */
  unchangedDocuments: number;
}

export interface IndexReport extends IndexPlan {
  runId: number;
  requests: number;
  upserts: number;
  switched: boolean;
}

interface Work {
  chunk: Chunk;
  input: string;
  contentHash: string;
  metaHash: string;
  metadata: VectorMetadata;
  doc: SourceDocument;
}

/** The text embedded for a chunk: its title and section give it context. */
function embeddingInput(c: Chunk): string {
  return [c.title, c.section, c.text].filter((s) => s).join('\n');
}

function chunkMetadata(ns: string, doc: SourceDocument, c: Chunk): VectorMetadata {
  const m: VectorMetadata = { namespace: ns, source: c.source, ordinal: c.ordinal, title: c.title };
  if (c.section) m.section = c.section;
  if (c.page != null) m.page = c.page;
  const f = doc.filters ?? {};
  if (f.kind !== undefined) m.kind = f.kind;
  if (f.brand !== undefined) m.brand = f.brand;
  if (f.powerW !== undefined) m.power_w = f.powerW;
  if (f.priceBrl !== undefined) m.price_brl = f.priceBrl;
  for (const [k, v] of Object.entries(doc.extra ?? {}))
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') m[k] = v;
  // the text rides along (Pinecone users read it from the match), cut to keep metadata under 40 KB
  m.text = Buffer.byteLength(c.text) > 30_000 ? Buffer.from(c.text).subarray(0, 30_000).toString() : c.text;
  return m;
}

/** A stop request (worker shutting down) ends the run where it is: what is committed stays. */
function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new JobsError('JOBS_CANCELED', 'indexing aborted');
}

/** Documents hashed or chunked between two turns of the event loop (a stop request is seen between them). */
const PREPARE_SLICE = 200;

interface Prepared {
  work: Work[];
  byKey: Map<string, Work>;
  /** documents not chunked (hash unchanged, every chunk committed) → their chunk count */
  skipped: Map<string, number>;
  /** hash and chunk count of each document chunked this run */
  chunked: Map<string, { docHash: string; chunks: number }>;
}

/** What the chunker and the metadata read from a document (a new chunker is a new version anyway). */
function documentHash(doc: SourceDocument): string {
  return sha(canonicalJson({ title: doc.title, blocks: doc.blocks, filters: doc.filters, extra: doc.extra }));
}

async function prepare(
  o: IndexOptions,
  known: ReadonlyMap<string, { docHash: string; chunks: number }>,
  dirty: ReadonlySet<string>,
): Promise<Prepared> {
  const work: Work[] = [];
  const seen = new Set<string>();
  const skipped = new Map<string, number>();
  const chunked = new Map<string, { docHash: string; chunks: number }>();
  for (const [i, doc] of o.documents.entries()) {
    if (i > 0 && i % PREPARE_SLICE === 0) {
      await new Promise((resolve) => setImmediate(resolve));
      throwIfAborted(o.signal);
    }
    if (seen.has(doc.source)) continue;
    seen.add(doc.source);
    const docHash = documentHash(doc);
    const before = known.get(doc.source);
    if (before?.docHash === docHash && !dirty.has(doc.source)) {
      skipped.set(doc.source, before.chunks);
      continue;
    }
    let chunks = 0;
    for (const chunk of chunkDocument(doc, o.chunker ?? DEFAULT_CHUNKER)) {
      const input = embeddingInput(chunk);
      const metadata = chunkMetadata(o.namespace, doc, chunk);
      work.push({ chunk, input, doc, metadata, contentHash: sha(input), metaHash: sha(canonicalJson(metadata)) });
      chunks++;
    }
    chunked.set(doc.source, { docHash, chunks });
  }
  return { work, byKey: new Map(work.map((w) => [vectorId(w.chunk.source, w.chunk.ordinal), w])), skipped, chunked };
}

interface Classified {
  embed: Work[];
  resume: Work[];
  meta: Work[];
  unchanged: number;
  deletes: ManifestRow[];
}

function classify(
  work: Work[],
  byKey: Map<string, Work>,
  manifest: Map<string, ManifestRow>,
  keep: ReadonlySet<string>,
): Classified {
  const out: Classified = { embed: [], resume: [], meta: [], unchanged: 0, deletes: [] };
  for (const w of work) {
    const row = manifest.get(vectorId(w.chunk.source, w.chunk.ordinal));
    if (!row || row.contentHash !== w.contentHash) out.embed.push(w);
    else if (row.state !== 'committed') {
      if (row.hasEmbedding) out.resume.push(w);
      else out.embed.push(w);
    } else if (row.metaHash !== w.metaHash) out.meta.push(w);
    else out.unchanged++;
  }
  for (const [k, row] of manifest) if (!byKey.has(k) && !keep.has(row.source)) out.deletes.push(row);
  return out;
}

async function planFor(db: Queryable, o: IndexOptions) {
  const chunker = chunkerId(o.chunker ?? DEFAULT_CHUNKER);
  const version = indexVersion(o.namespace, o.embedder.id, o.embedder.dimensions, chunker);
  const alias = await readAlias(db, o.namespace);
  const manifest = await readManifest(db, version);
  const dirty = new Set<string>();
  for (const row of manifest.values()) if (row.state !== 'committed') dirty.add(row.source);
  const prepared = await prepare(o, await readDocuments(db, version), dirty);
  const { work, byKey, skipped } = prepared;
  const c = classify(work, byKey, manifest, new Set([...(o.keepSources ?? []), ...skipped.keys()]));
  const skippedChunks = [...skipped.values()].reduce((a, b) => a + b, 0);
  c.unchanged += skippedChunks;
  const inputTokens = c.embed.reduce((s, w) => s + tokensOf(w), 0);
  const plan: IndexPlan = {
    namespace: o.namespace,
    version,
    activeVersion: alias?.version,
    rebuild: alias !== undefined && alias.version !== version,
    embedder: o.embedder.id,
    documents: prepared.chunked.size + skipped.size,
    chunks: work.length + skippedChunks,
    toEmbed: c.embed.length,
    tokens: inputTokens,
    costUsd: (inputTokens * o.embedder.pricePerMTokens) / 1e6,
    toResume: c.resume.length,
    metadataUpdates: c.meta.length,
    deletes: c.deletes.length,
    unchanged: c.unchanged,
    unchangedDocuments: skipped.size,
  };
  return { plan, classified: c, chunker, alias, chunked: prepared.chunked };
}

const tokenCache = new WeakMap<Work, number>();
/** Tokens of the embedded input (chunk text plus its title and section lines). */
function tokensOf(w: Work): number {
  let t = tokenCache.get(w);
  if (t === undefined) {
    t = w.input === w.chunk.text ? w.chunk.tokens : countTokens(w.input);
    tokenCache.set(w, t);
  }
  return t;
}

/** What an index run would do and cost, without embedding or writing anything. */
export async function planIndex(db: Queryable, o: IndexOptions): Promise<IndexPlan> {
  return (await planFor(db, o)).plan;
}

/** Request batches within the embedding API's limits. */
export function embedBatches<T>(items: T[], tokens: (t: T) => number, l: EmbedLimits): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let sum = 0;
  for (const it of items) {
    const t = tokens(it);
    if (t > l.maxTokensPerInput)
      throw new JobsError('JOBS_RAG_INPUT_TOO_LONG', `an input of ${t} tokens exceeds ${l.maxTokensPerInput}`);
    if (cur.length && (cur.length >= l.maxInputs || sum + t > l.maxTokensPerRequest)) {
      out.push(cur);
      cur = [];
      sum = 0;
    }
    cur.push(it);
    sum += t;
  }
  if (cur.length) out.push(cur);
  return out;
}

/** Upsert batches within the store's limits (records, bytes). */
export function upsertBatches(records: VectorRecord[]): VectorRecord[][] {
  const out: VectorRecord[][] = [];
  let cur: VectorRecord[] = [];
  let bytes = 0;
  for (const r of records) {
    const b = r.values.length * 10 + Buffer.byteLength(JSON.stringify(r.metadata)) + r.id.length + 64;
    if (cur.length && (cur.length >= STORE_LIMITS.maxRecords || bytes + b > STORE_LIMITS.maxBytes)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(r);
    bytes += b;
  }
  if (cur.length) out.push(cur);
  return out;
}

async function writePending(
  db: Queryable,
  version: string,
  o: IndexOptions,
  chunker: string,
  ws: Work[],
  vecs: number[][],
) {
  await db.query(
    `WITH m AS (
       INSERT INTO rag_manifest (version, namespace, source, ordinal, content_hash, meta_hash, embedder, dimensions,
                                 chunker, tokens, state, embedding, updated_at)
       SELECT $1, $2, r.source, r.ordinal, r.ch, r.mh, $3, $4, $5, r.tokens, 'pending', r.e::real[], now()
       FROM unnest($6::text[], $7::int[], $8::text[], $9::text[], $10::int[], $11::text[]) AS r(source, ordinal, ch, mh, tokens, e)
       ON CONFLICT (version, source, ordinal) DO UPDATE SET content_hash = EXCLUDED.content_hash,
         meta_hash = EXCLUDED.meta_hash, embedder = EXCLUDED.embedder, dimensions = EXCLUDED.dimensions,
         chunker = EXCLUDED.chunker, tokens = EXCLUDED.tokens, state = 'pending', embedding = EXCLUDED.embedding,
         updated_at = now()
       RETURNING 1)
     ${chunkUpsert(12)}`,
    [
      version,
      o.namespace,
      o.embedder.id,
      o.embedder.dimensions,
      chunker,
      ws.map((w) => w.chunk.source),
      ws.map((w) => w.chunk.ordinal),
      ws.map((w) => w.contentHash),
      ws.map((w) => w.metaHash),
      ws.map((w) => w.chunk.tokens),
      vecs.map((v) => `{${v.join(',')}}`),
      ...chunkParams(ws),
    ],
  );
}

/** Inserts/updates rag_chunks from the params chunkParams gives, from $<first>; $1 version, $2 namespace. */
const chunkUpsert = (first: number) =>
  `
  INSERT INTO rag_chunks (version, namespace, source, ordinal, title, section, page, body, kind, brand, power_w,
                          price_brl, metadata)
  SELECT $1, $2, c.source, c.ordinal, c.title, c.section, c.page, c.body, c.kind, c.brand, c.power_w, c.price_brl, c.m
  FROM unnest($${first}::text[], $${first + 1}::int[], $${first + 2}::text[], $${first + 3}::text[], $${first + 4}::int[],
              $${first + 5}::text[], $${first + 6}::text[], $${first + 7}::text[], $${first + 8}::float8[],
              $${first + 9}::float8[], $${first + 10}::jsonb[])
    AS c(source, ordinal, title, section, page, body, kind, brand, power_w, price_brl, m)
  ON CONFLICT (version, source, ordinal) DO UPDATE SET title = EXCLUDED.title, section = EXCLUDED.section,
    page = EXCLUDED.page, body = EXCLUDED.body, kind = EXCLUDED.kind, brand = EXCLUDED.brand,
    power_w = EXCLUDED.power_w, price_brl = EXCLUDED.price_brl, metadata = EXCLUDED.metadata`;

function chunkParams(ws: Work[]): unknown[] {
  return [
    ws.map((w) => w.chunk.source),
    ws.map((w) => w.chunk.ordinal),
    ws.map((w) => w.chunk.title),
    ws.map((w) => w.chunk.section),
    ws.map((w) => w.chunk.page),
    ws.map((w) => w.chunk.text),
    ws.map((w) => w.doc.filters?.kind ?? null),
    ws.map((w) => w.doc.filters?.brand ?? null),
    ws.map((w) => w.doc.filters?.powerW ?? null),
    ws.map((w) => w.doc.filters?.priceBrl ?? null),
    ws.map((w) => JSON.stringify({ ...w.metadata, text: undefined })),
  ];
}

async function setState(db: Queryable, version: string, ws: Work[], state: 'upserted' | 'committed') {
  await db.query(
    `UPDATE rag_manifest SET state = $2, updated_at = now()
     WHERE version = $1 AND (source, ordinal) IN (SELECT * FROM unnest($3::text[], $4::int[]))`,
    [version, state, ws.map((w) => w.chunk.source), ws.map((w) => w.chunk.ordinal)],
  );
}

async function storedEmbeddings(db: Queryable, version: string, ws: Work[]): Promise<Map<string, number[]>> {
  const { rows } = await db.query<{ source: string; ordinal: number; embedding: number[] }>(
    `SELECT source, ordinal, embedding FROM rag_manifest
     WHERE version = $1 AND (source, ordinal) IN (SELECT * FROM unnest($2::text[], $3::int[]))`,
    [version, ws.map((w) => w.chunk.source), ws.map((w) => w.chunk.ordinal)],
  );
  return new Map(rows.map((r) => [vectorId(r.source, r.ordinal), r.embedding.map(Number)]));
}

/** Indexes a namespace (see the file header); returns what it did, also recorded in rag_runs. */
export async function indexNamespace(db: Queryable, o: IndexOptions): Promise<IndexReport> {
  const { plan, classified: c, chunker, chunked } = await planFor(db, o);
  if (o.budgetUsd !== undefined && plan.costUsd > o.budgetUsd)
    throw new JobsError(
      'JOBS_RAG_BUDGET_EXCEEDED',
      `indexing ${o.namespace} would embed ${plan.toEmbed} chunks (${plan.tokens} tokens, US$ ${plan.costUsd.toFixed(4)}), over the budget of US$ ${o.budgetUsd}`,
    );
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO rag_runs (namespace, version, embedder, job_run_id, asset_key, documents, chunks)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [o.namespace, plan.version, o.embedder.id, o.jobRunId ?? null, o.assetKey ?? null, plan.documents, plan.chunks],
  );
  const runId = Number(rows[0]?.id);
  const version = plan.version;
  let requests = 0;
  let tokens = 0;
  let upserts = 0;
  let done = 0;
  const total = c.deletes.length + c.embed.length + c.resume.length + c.meta.length;
  const tick = (n: number, what: string) => {
    done += n;
    o.progress?.(done, total, what);
    throwIfAborted(o.signal);
  };
  const ledger = async (status: string) =>
    db.query(
      `UPDATE rag_runs SET embedded = $2, tokens = $3, requests = $4, upserts = $5, metadata_updates = $6, deletes = $7,
         cost_usd = $8, status = $9, finished_at = CASE WHEN $9 = 'running' THEN NULL ELSE now() END WHERE id = $1`,
      [
        runId,
        c.embed.length,
        tokens,
        requests,
        upserts,
        c.meta.length,
        c.deletes.length,
        (tokens * o.embedder.pricePerMTokens) / 1e6,
        status,
      ],
    );
  try {
    // 0. documents about to change lose their "indexed whole" row until this run has committed them
    const touched = new Set([...c.embed, ...c.resume, ...c.meta].map((w) => w.chunk.source));
    for (const row of c.deletes) touched.add(row.source);
    if (touched.size)
      await db.query('DELETE FROM rag_documents WHERE version = $1 AND source = ANY($2::text[])', [
        version,
        [...touched],
      ]);
    // 1. deletes: store first, then manifest (a crash between repeats an idempotent delete)
    for (let i = 0; i < c.deletes.length; i += STORE_LIMITS.maxRecords) {
      const part = c.deletes.slice(i, i + STORE_LIMITS.maxRecords);
      await o.store.deleteMany(
        version,
        part.map((r) => vectorId(r.source, r.ordinal)),
      );
      await db.query(
        `WITH d AS (DELETE FROM rag_manifest WHERE version = $1
           AND (source, ordinal) IN (SELECT * FROM unnest($2::text[], $3::int[])) RETURNING source, ordinal)
         DELETE FROM rag_chunks WHERE version = $1 AND (source, ordinal) IN (SELECT source, ordinal FROM d)`,
        [version, part.map((r) => r.source), part.map((r) => r.ordinal)],
      );
      tick(part.length, 'deleted');
    }
    // 2. resume rows a killed run left pending/upserted, from their kept embeddings
    for (const part of upsertBatchesOf(c.resume)) {
      const vecs = await storedEmbeddings(db, version, part);
      await db.query(chunkUpsert(3), [version, o.namespace, ...chunkParams(part)]);
      await o.store.upsert(
        version,
        part.map((w) => record(w, vecs.get(vectorId(w.chunk.source, w.chunk.ordinal)) ?? [])),
      );
      upserts += part.length;
      await setState(db, version, part, 'committed');
      tick(part.length, 'resumed');
    }
    // 3. embed what is new or changed
    for (const batch of embedBatches(c.embed, tokensOf, o.limits ?? OPENAI_LIMITS)) {
      const vecs = await o.embedder.embed(
        batch.map((w) => w.input),
        {
          signal: o.signal,
          onRequest: (_n, t) => {
            requests++;
            tokens += t;
          },
        },
      );
      if (o.embedder.pricePerMTokens === 0) tokens += batch.reduce((s, w) => s + tokensOf(w), 0);
      // What was paid for is kept (pending rows resume from it) before a stop request is heeded.
      await writePending(db, version, o, chunker, batch, vecs);
      throwIfAborted(o.signal);
      for (const part of upsertBatches(batch.map((w, i) => record(w, vecs[i] ?? [])))) {
        await o.store.upsert(version, part);
        upserts += part.length;
      }
      await setState(db, version, batch, 'upserted');
      await setState(db, version, batch, 'committed');
      await ledger('running');
      tick(batch.length, 'embedded');
    }
    // 4. metadata-only changes (price, stock): no embedding
    for (const w of c.meta) {
      await o.store.updateMetadata(version, vectorId(w.chunk.source, w.chunk.ordinal), w.metadata);
      await db.query(chunkUpsert(3), [version, o.namespace, ...chunkParams([w])]);
      await db.query(
        'UPDATE rag_manifest SET meta_hash = $4, updated_at = now() WHERE version = $1 AND source = $2 AND ordinal = $3',
        [version, w.chunk.source, w.chunk.ordinal, w.metaHash],
      );
      tick(1, 'metadata');
    }
    // 5. a complete new version becomes the searchable one; the old ones go
    let switched = false;
    const alias = await readAlias(db, o.namespace);
    if (alias?.version !== version) {
      await switchAlias(db, {
        namespace: o.namespace,
        version,
        embedder: o.embedder.id,
        dimensions: o.embedder.dimensions,
        chunker,
      });
      switched = true;
    }
    // every document chunked this run is now indexed whole
    const docs = [...chunked];
    for (let i = 0; i < docs.length; i += 1000) {
      const part = docs.slice(i, i + 1000);
      await db.query(
        `INSERT INTO rag_documents (version, source, doc_hash, chunks)
         SELECT $1, d.source, d.h, d.n FROM unnest($2::text[], $3::text[], $4::int[]) AS d(source, h, n)
         ON CONFLICT (version, source) DO UPDATE SET doc_hash = EXCLUDED.doc_hash, chunks = EXCLUDED.chunks`,
        [version, part.map(([src]) => src), part.map(([, d]) => d.docHash), part.map(([, d]) => d.chunks)],
      );
    }
    for (const old of await otherVersions(db, o.namespace, version)) {
      await o.store.deleteNamespace(old);
      await dropVersionRows(db, old);
    }
    await ledger('succeeded');
    return { ...plan, runId, requests, upserts, switched, tokens: tokens || plan.tokens };
  } catch (err) {
    await ledger('failed').catch(() => {});
    throw err;
  }
}

function record(w: Work, values: number[]): VectorRecord {
  return { id: vectorId(w.chunk.source, w.chunk.ordinal), values, metadata: w.metadata };
}

function upsertBatchesOf(ws: Work[]): Work[][] {
  const out: Work[][] = [];
  for (let i = 0; i < ws.length; i += 500) out.push(ws.slice(i, i + 500));
  return out;
}
