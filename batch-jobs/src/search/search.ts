import type { Queryable } from '@ysh/common/db';
import { JobsError } from '../errors.ts';
import { localEmbedder } from '../rag/local-embedder.ts';
import { readAlias, readAliases, type Alias } from '../rag/manifest.ts';
import { filterSql, hasPgVector, pgVectorStore } from '../rag/pg-store.ts';
import type { Embedder, StoreFilter, VectorStore } from '../rag/types.ts';
import { parseVectorId } from '../rag/types.ts';

/**
 * Hybrid search over the RAG index: PostgreSQL full-text search (`portuguese` configuration, any
 * of the query's words, ranked by ts_rank_cd) and vector similarity (pgvector or Pinecone) over the
 * version each namespace's alias names, fused by reciprocal rank fusion (score = Σ 1/(60 + rank)).
 * Where the database has no pgvector and no other store is given, the search is full-text only and
 * says so (`mode: 'fulltext'`).
 */
export interface SearchFilters extends StoreFilter {}

export interface SearchRequest {
  q: string;
  namespace?: string;
  filters?: SearchFilters;
  limit?: number;
}

export interface SearchHit {
  namespace: string;
  source: string;
  ordinal: number;
  id: string;
  title: string;
  section: string | null;
  page: number | null;
  score: number;
  text: string;
  metadata: Record<string, unknown>;
  /** rank in each list the hit came from (1-based) */
  ranks: { fulltext?: number; vector?: number };
}

export interface SearchResult {
  mode: 'hybrid' | 'fulltext';
  hits: SearchHit[];
  /** why the vector half was left out, when it was */
  note?: string;
}

export interface SearchDeps {
  /** embedders by id; the local one is always available */
  embedders?: Embedder[];
  /** the store the index was built in (default pgvector in this database) */
  store?: VectorStore;
}

const RRF_K = 60;

async function fulltext(db: Queryable, version: string, q: string, f: SearchFilters | undefined, k: number) {
  const params: unknown[] = [version, q, k];
  const where = filterSql(f, params, 'c.metadata');
  const { rows } = await db.query<{ source: string; ordinal: number; rank: number }>(
    // any word matches; chunks with every word first, then by cover density
    `WITH q AS (
       SELECT nullif(replace(plainto_tsquery('portuguese', $2)::text, ' & ', ' | '), '')::tsquery AS tq,
              plainto_tsquery('portuguese', $2) AS every)
     SELECT c.source, c.ordinal, ts_rank_cd(c.tsv, q.tq) AS rank
     FROM rag_chunks c, q
     WHERE c.version = $1 AND q.tq IS NOT NULL AND c.tsv @@ q.tq${where}
     ORDER BY (c.tsv @@ q.every) DESC, rank DESC, c.source, c.ordinal LIMIT $3`,
    params,
  );
  return rows.map((r) => `${r.source}#${r.ordinal}`);
}

export async function searchChunks(db: Queryable, req: SearchRequest, deps: SearchDeps = {}): Promise<SearchResult> {
  const limit = Math.max(1, Math.min(req.limit ?? 10, 100));
  const aliases: Alias[] = req.namespace
    ? [await readAlias(db, req.namespace)].filter((a): a is Alias => a !== undefined)
    : await readAliases(db);
  const store = deps.store ?? ((await hasPgVector(db)) ? pgVectorStore(db) : undefined);
  let note: string | undefined = store ? undefined : 'no vector store (PostgreSQL without pgvector): full-text only';
  const k = Math.max(limit * 4, 40);
  const scored = new Map<string, { alias: Alias; score: number; ranks: SearchHit['ranks'] }>();
  const add = (alias: Alias, ids: string[], list: 'fulltext' | 'vector') => {
    ids.forEach((id, i) => {
      const key = `${alias.version}\u0000${id}`;
      const e = scored.get(key) ?? { alias, score: 0, ranks: {} };
      e.score += 1 / (RRF_K + i + 1);
      e.ranks[list] = i + 1;
      scored.set(key, e);
    });
  };
  let vectorUsed = false;
  for (const alias of aliases) {
    add(alias, await fulltext(db, alias.version, req.q, req.filters, k), 'fulltext');
    if (!store) continue;
    const embedder = [localEmbedder(alias.dimensions), ...(deps.embedders ?? [])].find((e) => e.id === alias.embedder);
    if (!embedder) {
      note = `the ${alias.namespace} index was built by ${alias.embedder}, not configured here: full-text only`;
      continue;
    }
    const [vec] = await embedder.embed([req.q]);
    if (!vec) throw new JobsError('JOBS_RAG_EMBEDDING_FAILED', 'the embedder returned no vector for the query');
    const matches = await store.query(alias.version, vec, k, req.filters);
    add(
      alias,
      matches.map((m) => m.id),
      'vector',
    );
    vectorUsed = true;
  }
  const top = [...scored.entries()].sort((a, b) => b[1].score - a[1].score || (a[0] < b[0] ? -1 : 1)).slice(0, limit);
  const hits: SearchHit[] = [];
  for (const [key, e] of top) {
    const id = key.split('\u0000')[1] as string;
    const p = parseVectorId(id);
    if (!p) continue;
    const { rows } = await db.query<{
      title: string;
      section: string | null;
      page: number | null;
      body: string;
      metadata: Record<string, unknown>;
    }>(
      'SELECT title, section, page, body, metadata FROM rag_chunks WHERE version = $1 AND source = $2 AND ordinal = $3',
      [e.alias.version, p.source, p.ordinal],
    );
    const r = rows[0];
    if (!r) continue;
    hits.push({
      namespace: e.alias.namespace,
      source: p.source,
      ordinal: p.ordinal,
      id,
      title: r.title,
      section: r.section,
      page: r.page,
      score: Math.round(e.score * 1e6) / 1e6,
      text: r.body,
      metadata: r.metadata,
      ranks: e.ranks,
    });
  }
  return { mode: vectorUsed ? 'hybrid' : 'fulltext', hits, ...(note ? { note } : {}) };
}
