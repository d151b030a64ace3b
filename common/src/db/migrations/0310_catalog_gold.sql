-- Gold catalog (batch-jobs/src/catalog): one row per product merged across sources, read by
-- propostas (sizing) and RAG (one document per product). Specs are typed in SI in `specs`
-- (keys and units in batch-jobs/src/catalog/catalog-item.ts); the raw and normalized layers and
-- the quarantine live in later migrations of the same range (0310-0319).
CREATE TABLE catalog_items (
  sku          text PRIMARY KEY,
  kind         text NOT NULL CHECK (kind IN ('module', 'inverter')),
  brand        text NOT NULL,
  model        text NOT NULL,
  specs        jsonb NOT NULL,
  price_brl    numeric(14, 2),
  sources      text[] NOT NULL DEFAULT '{}',
  conflicts    jsonb NOT NULL DEFAULT '[]',
  data_version text NOT NULL DEFAULT '',
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX catalog_items_kind_brand ON catalog_items (kind, brand);
