-- Catalog raw and normalized layers (batch-jobs/src/catalog). Raw tables keep every line as read
-- (header name -> text) keyed by (source_file, line) so a re-run rewrites the same rows; the
-- normalized table holds one typed row per (product, source) with its provenance; rows that fail
-- validation land in catalog_quarantine with the reason instead of vanishing.
CREATE TABLE catalog_cec_raw (
  id          bigserial PRIMARY KEY,
  source      text NOT NULL,
  source_file text NOT NULL,
  line        int NOT NULL,
  file_sha256 text NOT NULL,
  record      jsonb NOT NULL,
  loaded_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (source_file, line)
);

CREATE TABLE catalog_feeds_raw (
  id          bigserial PRIMARY KEY,
  source      text NOT NULL,
  source_file text NOT NULL,
  line        int NOT NULL,
  file_sha256 text NOT NULL,
  encoding    text NOT NULL,
  delimiter   text NOT NULL,
  record      jsonb NOT NULL,
  loaded_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (source_file, line)
);

CREATE TABLE items_normalized (
  sku         text NOT NULL,
  source      text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('module', 'inverter')),
  brand       text NOT NULL,
  brand_known boolean NOT NULL,
  model       text NOT NULL,
  specs       jsonb NOT NULL,
  price       numeric(14, 2),
  currency    text,
  raw_table   text NOT NULL,
  raw_id      bigint NOT NULL,
  source_file text NOT NULL,
  line        int NOT NULL,
  source_hash text NOT NULL,
  PRIMARY KEY (sku, source)
);

CREATE TABLE catalog_quarantine (
  source_file text NOT NULL,
  line        int NOT NULL,
  source      text NOT NULL,
  raw_table   text NOT NULL,
  raw_id      bigint NOT NULL,
  source_hash text NOT NULL,
  record      jsonb NOT NULL,
  reason      text NOT NULL,
  PRIMARY KEY (source_file, line)
);
