import { fileURLToPath } from 'node:url';
import type { Queryable } from '@ysh/common/db';
import type { StepLog } from '../graph/asset.ts';
import { catalogDocuments } from './catalog-source.ts';
import type { ChunkerOptions } from './chunker.ts';
import type { RagConfig } from './config.ts';
import { docsDocuments } from './docs-source.ts';
import { OPENAI_LIMITS, type IndexOptions } from './indexer.ts';
import { localEmbedder } from './local-embedder.ts';
import { openAIEmbedder } from './openai-embedder.ts';
import { defaultStore } from './pg-store.ts';
import { pineconeStore } from './pinecone-store.ts';
import type { Embedder, VectorStore } from './types.ts';

/** Inputs per batch for the local embedder (see namespaceInput). */
const LOCAL_EMBED_BATCH = 256;

/** The namespaces of the index and what feeds them. */
export const RAG_NAMESPACES = ['catalog', 'docs'] as const;
export type RagNamespace = (typeof RAG_NAMESPACES)[number];

/** Demo documents shipped with the package (see data/rag-demo/SOURCE.txt). */
export const DEMO_DOCS_DIR = fileURLToPath(new URL('../../data/rag-demo/', import.meta.url));

export interface RagRuntime {
  embedder: Embedder;
  store: VectorStore;
  chunker: ChunkerOptions;
  /** e.g. "openai:text-embedding-3-large + pinecone" or "local-hash-v1-256 + pgvector" */
  mode: string;
}

/** OpenAI and Pinecone when configured, else the local embedder and pgvector (or full-text only). */
export async function ragRuntime(db: Queryable, c: RagConfig): Promise<RagRuntime> {
  const embedder = c.openai
    ? openAIEmbedder({
        apiKey: c.openai.apiKey,
        baseUrl: c.openai.baseUrl,
        model: c.openai.model,
        dimensions: c.openai.dimensions,
      })
    : localEmbedder(c.localDimensions);
  const store = c.pinecone
    ? pineconeStore({ apiKey: c.pinecone.apiKey, index: c.pinecone.index, host: c.pinecone.host })
    : await defaultStore(db);
  return {
    embedder,
    store,
    chunker: { maxTokens: c.chunkTokens, overlapTokens: c.chunkOverlap },
    mode: `${embedder.id} + ${store.kind === 'none' ? 'no vector store (full-text only)' : store.kind}`,
  };
}

/** The documents and options of one namespace's index run. */
export async function namespaceInput(
  db: Queryable,
  c: RagConfig,
  rt: RagRuntime,
  namespace: RagNamespace,
  log?: Pick<StepLog, 'warn'>,
): Promise<IndexOptions> {
  const base = {
    namespace,
    embedder: rt.embedder,
    store: rt.store,
    chunker: rt.chunker,
    budgetUsd: c.budgetUsd,
    // A request to the local embedder costs nothing, so its batches stay small: a stopping
    // worker waits for at most one of them (written, upserted, committed) before it exits.
    limits: {
      ...OPENAI_LIMITS,
      maxInputs: rt.embedder.pricePerMTokens === 0 ? Math.min(c.embedBatch, LOCAL_EMBED_BATCH) : c.embedBatch,
    },
  };
  if (namespace === 'catalog') return { ...base, documents: await catalogDocuments(db) };
  const inbox = await docsDocuments(c.docsInbox, log);
  const demo = c.demoDocs ? await docsDocuments(DEMO_DOCS_DIR, log) : { documents: [], failed: [] };
  const seen = new Set(inbox.documents.map((d) => d.source));
  return {
    ...base,
    documents: [...inbox.documents, ...demo.documents.filter((d) => !seen.has(d.source))],
    keepSources: [...inbox.failed, ...demo.failed].map((f) => f.source),
  };
}
