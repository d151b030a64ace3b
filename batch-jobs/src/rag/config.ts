import { join } from 'node:path';
import { ConfigError, env, readEnv } from '@ysh/common';

/**
 * RAG options (read once by loadJobsConfig). With OPENAI_API_KEY set, chunks are embedded by
 * OpenAI; with PINECONE_API_KEY and YSH_PINECONE_INDEX set, vectors go to Pinecone. Unset means
 * embedded: the local hashed n-gram embedder and pgvector in the platform's PostgreSQL.
 */
export interface RagConfig {
  openai: { apiKey: string; baseUrl: string | undefined; model: string; dimensions: number | undefined } | undefined;
  pinecone: { apiKey: string; index: string; host: string | undefined } | undefined;
  localDimensions: number;
  chunkTokens: number;
  chunkOverlap: number;
  /** inputs per embedding request (the API allows 2,048) */
  embedBatch: number;
  /** timeout of one index step (ms) */
  stepTimeoutMs: number;
  /** US$ cap on the planned embedding cost of one run */
  budgetUsd: number | undefined;
  docsInbox: string;
  /** also index the demo documents shipped in batch-jobs/data/rag-demo */
  demoDocs: boolean;
}

export const ragEnv = {
  OPENAI_API_KEY: env.optional(env.string({ expects: 'an OpenAI API key' })),
  YSH_OPENAI_BASE_URL: env.optional(env.url({ protocols: ['http:', 'https:'] })),
  YSH_RAG_EMBED_MODEL: env.string({ default: 'text-embedding-3-large', expects: 'an OpenAI embedding model' }),
  YSH_RAG_DIMENSIONS: env.optional(env.int({ min: 1, max: 3072 })),
  PINECONE_API_KEY: env.optional(env.string({ expects: 'a Pinecone API key' })),
  YSH_PINECONE_INDEX: env.optional(env.string({ expects: 'a Pinecone index name' })),
  YSH_PINECONE_HOST: env.optional(env.url({ protocols: ['http:', 'https:'] })),
  YSH_RAG_LOCAL_DIMENSIONS: env.int({ default: 256, min: 16, max: 2000 }),
  YSH_RAG_CHUNK_TOKENS: env.int({ default: 400, min: 50, max: 8000 }),
  YSH_RAG_CHUNK_OVERLAP: env.int({ default: 50, min: 0, max: 2000 }),
  YSH_RAG_EMBED_BATCH: env.int({ default: 2048, min: 1, max: 2048 }),
  YSH_RAG_BUDGET_USD: env.optional(env.number({ min: 0 })),
  // How long one index step may run before its attempt is given up as lost and retried
  // (a killed worker's step is picked up again only then).
  YSH_RAG_STEP_TIMEOUT: env.duration({ default: '6h' }),
  YSH_RAG_DOCS_INBOX: env.optional(env.string({ expects: 'a directory path' })),
  YSH_RAG_DEMO_DOCS: env.bool({ default: true }),
};

export function loadRagConfig(source: NodeJS.ProcessEnv, dataDir: string): Readonly<RagConfig> {
  const e = readEnv(ragEnv, source);
  if (e.YSH_RAG_CHUNK_OVERLAP >= e.YSH_RAG_CHUNK_TOKENS)
    throw new ConfigError('YSH_RAG_CHUNK_OVERLAP', 'must be smaller than YSH_RAG_CHUNK_TOKENS');
  if (e.PINECONE_API_KEY && !e.YSH_PINECONE_INDEX)
    throw new ConfigError('YSH_PINECONE_INDEX', 'is needed with PINECONE_API_KEY (the index to write to)');
  return Object.freeze({
    openai: e.OPENAI_API_KEY
      ? {
          apiKey: e.OPENAI_API_KEY,
          baseUrl: e.YSH_OPENAI_BASE_URL,
          model: e.YSH_RAG_EMBED_MODEL,
          dimensions: e.YSH_RAG_DIMENSIONS,
        }
      : undefined,
    pinecone:
      e.PINECONE_API_KEY && e.YSH_PINECONE_INDEX
        ? { apiKey: e.PINECONE_API_KEY, index: e.YSH_PINECONE_INDEX, host: e.YSH_PINECONE_HOST }
        : undefined,
    localDimensions: e.YSH_RAG_LOCAL_DIMENSIONS,
    chunkTokens: e.YSH_RAG_CHUNK_TOKENS,
    chunkOverlap: e.YSH_RAG_CHUNK_OVERLAP,
    embedBatch: e.YSH_RAG_EMBED_BATCH,
    budgetUsd: e.YSH_RAG_BUDGET_USD,
    stepTimeoutMs: e.YSH_RAG_STEP_TIMEOUT,
    docsInbox: e.YSH_RAG_DOCS_INBOX ?? join(dataDir, 'docs-inbox'),
    demoDocs: e.YSH_RAG_DEMO_DOCS,
  });
}
