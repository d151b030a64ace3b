-- RAG indexing (batch-jobs/src/rag): the manifest of every chunk per index version, the chunk text
-- with its full-text vector (portuguese), the alias naming the searchable version of a namespace,
-- and the cost ledger of each run. Vectors live in the configured store: Pinecone, or the table
-- rag_vectors below, created only where the pgvector extension is available (PGlite has it;
-- a PostgreSQL without it gets full-text search only, reported as such by `ysh search`).
CREATE TABLE rag_aliases (
  namespace    text PRIMARY KEY,
  version      text NOT NULL,
  embedder     text NOT NULL,
  dimensions   int NOT NULL,
  chunker      text NOT NULL,
  switched_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per (index version, source, ordinal). The vector id in the store is `<source>#<ordinal>`
-- in the store namespace `version`. state: pending (embedding obtained and kept here, store write
-- not yet confirmed) -> upserted (store confirmed) -> committed.
CREATE TABLE rag_manifest (
  version        text NOT NULL,
  namespace      text NOT NULL,
  source         text NOT NULL,
  ordinal        int NOT NULL,
  content_hash   text NOT NULL,
  meta_hash      text NOT NULL,
  embedder       text NOT NULL,
  dimensions     int NOT NULL,
  chunker        text NOT NULL,
  tokens         int NOT NULL,
  state          text NOT NULL CHECK (state IN ('pending', 'upserted', 'committed')),
  embedding      real[],
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (version, source, ordinal)
);
CREATE INDEX rag_manifest_state ON rag_manifest (version, state) WHERE state <> 'committed';

CREATE TABLE rag_chunks (
  version    text NOT NULL,
  namespace  text NOT NULL,
  source     text NOT NULL,
  ordinal    int NOT NULL,
  title      text NOT NULL,
  section    text,
  page       int,
  body       text NOT NULL,
  kind       text,
  brand      text,
  power_w    double precision,
  price_brl  double precision,
  metadata   jsonb NOT NULL DEFAULT '{}',
  tsv        tsvector GENERATED ALWAYS AS (
               to_tsvector('portuguese', coalesce(title, '') || ' ' || coalesce(section, '') || ' ' || body)
             ) STORED,
  PRIMARY KEY (version, source, ordinal)
);
CREATE INDEX rag_chunks_tsv ON rag_chunks USING gin (tsv);
CREATE INDEX rag_chunks_filters ON rag_chunks (version, kind, brand);

-- The token and cost ledger: one row per indexing run of a namespace.
CREATE TABLE rag_runs (
  id              bigserial PRIMARY KEY,
  namespace       text NOT NULL,
  version         text NOT NULL,
  embedder        text NOT NULL,
  job_run_id      text,
  asset_key       text,
  started_at      timestamptz NOT NULL DEFAULT now(),
  finished_at     timestamptz,
  documents       int NOT NULL DEFAULT 0,
  chunks          int NOT NULL DEFAULT 0,
  embedded        int NOT NULL DEFAULT 0,
  tokens          bigint NOT NULL DEFAULT 0,
  requests        int NOT NULL DEFAULT 0,
  upserts         int NOT NULL DEFAULT 0,
  metadata_updates int NOT NULL DEFAULT 0,
  deletes         int NOT NULL DEFAULT 0,
  cost_usd        numeric(14, 6) NOT NULL DEFAULT 0,
  status          text NOT NULL DEFAULT 'running'
);

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') THEN
    CREATE EXTENSION IF NOT EXISTS vector;
    -- Untyped dimension: each index version holds one embedder's dimensions (its manifest says
    -- which); searches are exact (no HNSW: it would need a fixed dimension of at most 2,000).
    CREATE TABLE rag_vectors (
      version    text NOT NULL,
      id         text NOT NULL,
      embedding  vector NOT NULL,
      metadata   jsonb NOT NULL DEFAULT '{}',
      PRIMARY KEY (version, id)
    );
  END IF;
END
$$;
