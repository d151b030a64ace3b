import { Type } from '@sinclair/typebox';
import type { Queryable } from '@ysh/common/db';
import { customCheck } from '../checks/builders.ts';
import { defineAsset } from '../graph/asset.ts';
import { canonicalJson, versionHash } from '../versions/data-version.ts';
import { normalizeCecInverter, normalizeCecModule } from './cec.ts';
import { mapHeader, normalizeFeedRow } from './feeds.ts';
import type { NormalizedItem } from './validate.ts';

interface RawRow {
  id: string;
  raw_table: 'catalog_cec_raw' | 'catalog_feeds_raw';
  source: string;
  source_file: string;
  line: number;
  file_sha256: string;
  delimiter: string | null;
  record: Record<string, string>;
}

export interface QuarantinedRow {
  source: string;
  raw_table: string;
  raw_id: string;
  source_file: string;
  line: number;
  source_hash: string;
  record: Record<string, string>;
  reason: string;
}

export type NormalizedRow = NormalizedItem & {
  raw_table: string;
  raw_id: string;
  source_file: string;
  line: number;
  source_hash: string;
};

/**
 * Types every raw catalog row. One row per (SKU, source): a second row of the same product in the
 * same source is quarantined as a duplicate naming the first, as is every row that fails
 * validation. Pure apart from reading, so tests can run it on raw rows directly.
 */
export function normalizeRawRows(raw: readonly RawRow[]): {
  items: NormalizedRow[];
  quarantine: QuarantinedRow[];
  /** rows identical to a row already taken (the same line in two excerpts of one list) */
  repeated: number;
} {
  const items: NormalizedRow[] = [];
  const quarantine: QuarantinedRow[] = [];
  const seen = new Map<string, { row: NormalizedRow; record: string }>();
  let repeated = 0;
  const headers = new Map<string, ReturnType<typeof mapHeader>>();
  for (const r of raw) {
    const prov = {
      raw_table: r.raw_table,
      raw_id: String(r.id),
      source_file: r.source_file,
      line: r.line,
      source_hash: r.file_sha256,
    };
    let res: ReturnType<typeof normalizeCecModule>;
    if (r.source === 'cec-modules') res = normalizeCecModule(r.record, r.source);
    else if (r.source === 'cec-inverters') res = normalizeCecInverter(r.record, r.source);
    else {
      let cols = headers.get(r.source_file);
      if (!cols) {
        cols = mapHeader(Object.keys(r.record));
        headers.set(r.source_file, cols);
      }
      res = normalizeFeedRow(r.record, cols, r.delimiter === ',' ? '.' : ',', r.source);
    }
    if (!res.ok) {
      quarantine.push({ ...prov, source: r.source, record: r.record, reason: res.reason });
      continue;
    }
    const key = `${res.item.sku}\u0000${res.item.source}`;
    const first = seen.get(key);
    if (first?.record === canonicalJson(r.record)) {
      repeated++;
      continue;
    }
    if (first) {
      quarantine.push({
        ...prov,
        source: r.source,
        record: r.record,
        reason: `duplicate of ${first.row.source_file} line ${first.row.line} (same SKU ${res.item.sku})`,
      });
      continue;
    }
    const row = { ...res.item, ...prov };
    seen.set(key, { row, record: canonicalJson(r.record) });
    items.push(row);
  }
  return { items, quarantine, repeated };
}

async function readRaw(db: Queryable): Promise<RawRow[]> {
  const { rows } = await db.query<RawRow>(
    `SELECT id::text, 'catalog_cec_raw' AS raw_table, source, source_file, line, file_sha256, NULL AS delimiter, record
       FROM catalog_cec_raw
     UNION ALL
     SELECT id::text, 'catalog_feeds_raw', source, source_file, line, file_sha256, delimiter, record
       FROM catalog_feeds_raw
     ORDER BY raw_table, source_file, line`,
  );
  return rows;
}

const CHUNK = 2000;

async function writeItems(db: Queryable, items: readonly NormalizedRow[]): Promise<void> {
  for (let i = 0; i < items.length; i += CHUNK) {
    const part = items.slice(i, i + CHUNK);
    await db.query(
      `INSERT INTO items_normalized (sku, source, kind, brand, brand_known, model, specs, price, currency, raw_table,
         raw_id, source_file, line, source_hash)
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(sku text, source text, kind text, brand text, brand_known boolean,
         model text, specs jsonb, price numeric, currency text, raw_table text, raw_id bigint, source_file text, line int,
         source_hash text)
       ON CONFLICT (sku, source) DO UPDATE SET kind = EXCLUDED.kind, brand = EXCLUDED.brand,
         brand_known = EXCLUDED.brand_known, model = EXCLUDED.model, specs = EXCLUDED.specs, price = EXCLUDED.price,
         currency = EXCLUDED.currency, raw_table = EXCLUDED.raw_table, raw_id = EXCLUDED.raw_id,
         source_file = EXCLUDED.source_file, line = EXCLUDED.line, source_hash = EXCLUDED.source_hash
       WHERE (items_normalized.*) IS DISTINCT FROM (EXCLUDED.*)`,
      [
        JSON.stringify(
          part.map((r) => ({
            sku: r.sku,
            source: r.source,
            kind: r.kind,
            brand: r.brand,
            brand_known: r.brandKnown,
            model: r.model,
            specs: r.specs,
            price: r.price,
            currency: r.currency,
            raw_table: r.raw_table,
            raw_id: r.raw_id,
            source_file: r.source_file,
            line: r.line,
            source_hash: r.source_hash,
          })),
        ),
      ],
    );
  }
  await db.query(
    `DELETE FROM items_normalized n WHERE NOT EXISTS (
       SELECT 1 FROM jsonb_to_recordset($1::jsonb) AS k(sku text, source text) WHERE k.sku = n.sku AND k.source = n.source)`,
    [JSON.stringify(items.map((r) => ({ sku: r.sku, source: r.source })))],
  );
}

async function writeQuarantine(db: Queryable, rows: readonly QuarantinedRow[]): Promise<void> {
  await db.query(
    `INSERT INTO catalog_quarantine (source_file, line, source, raw_table, raw_id, source_hash, record, reason)
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(source_file text, line int, source text, raw_table text,
       raw_id bigint, source_hash text, record jsonb, reason text)
     ON CONFLICT (source_file, line) DO UPDATE SET source = EXCLUDED.source, raw_table = EXCLUDED.raw_table,
       raw_id = EXCLUDED.raw_id, source_hash = EXCLUDED.source_hash, record = EXCLUDED.record, reason = EXCLUDED.reason`,
    [JSON.stringify(rows)],
  );
  await db.query(
    `DELETE FROM catalog_quarantine q WHERE NOT EXISTS (
       SELECT 1 FROM jsonb_to_recordset($1::jsonb) AS k(source_file text, line int)
       WHERE k.source_file = q.source_file AND k.line = q.line)`,
    [JSON.stringify(rows.map((r) => ({ source_file: r.source_file, line: r.line })))],
  );
}

export const itemsNormalizedConfig = Type.Object(
  {
    /** A source file with more than this share of its rows quarantined fails the blocking check. */
    max_quarantine_share: Type.Number({ minimum: 0, maximum: 1 }),
    /** Share of supplier-feed rows whose brand must match a listed brand (warning check). */
    min_brand_coverage: Type.Number({ minimum: 0, maximum: 1 }),
  },
  { additionalProperties: false },
);

/**
 * normalized: one typed row per (product, source) from the CEC lists and the supplier feeds,
 * SI units, canonical brand, stable SKU, provenance (raw table and id, file, line, file hash).
 * Rows failing validation go to catalog_quarantine with the reason; they never block good rows.
 */
export const itemsNormalized = defineAsset({
  key: 'items_normalized',
  layer: 'normalized',
  description: 'Catalog products per source, typed in SI, with provenance; failures in catalog_quarantine',
  deps: ['catalog_cec_raw', 'catalog_feeds_raw'],
  codeVersion: '1',
  config: { schema: itemsNormalizedConfig, defaults: { max_quarantine_share: 0.5, min_brand_coverage: 0.8 } },
  checks: [
    customCheck({
      name: 'quarantine_share_per_file',
      async run(ctx) {
        const max = Number(ctx.config.max_quarantine_share ?? 0.5);
        const { rows } = await ctx.db.query<{ source_file: string; good: number; bad: number }>(
          `SELECT source_file, sum(good)::int AS good, sum(bad)::int AS bad FROM (
             SELECT source_file, 1 AS good, 0 AS bad FROM items_normalized
             UNION ALL SELECT source_file, 0, 1 FROM catalog_quarantine) x
           GROUP BY source_file ORDER BY source_file`,
        );
        const over = rows
          .map((r) => ({
            file: r.source_file,
            quarantined: r.bad,
            rows: r.good + r.bad,
            share: r.bad / (r.good + r.bad),
          }))
          .filter((r) => r.share > max);
        return { passed: over.length === 0, details: { maxShare: max, filesOver: over } };
      },
    }),
    customCheck({
      name: 'brand_canonicalization_coverage',
      severity: 'warn',
      async run(ctx) {
        const min = Number(ctx.config.min_brand_coverage ?? 0.8);
        const { rows } = await ctx.db.query<{ n: number; known: number; unknown: string[] | null }>(
          `SELECT count(*)::int AS n, count(*) FILTER (WHERE brand_known)::int AS known,
                  (array_agg(DISTINCT brand) FILTER (WHERE NOT brand_known))[1:10] AS unknown
           FROM items_normalized WHERE source LIKE 'feed:%'`,
        );
        const r = rows[0] ?? { n: 0, known: 0, unknown: null };
        const coverage = r.n === 0 ? 1 : r.known / r.n;
        return {
          passed: coverage >= min,
          details: { coverage: Math.round(coverage * 1000) / 1000, min, unlistedBrands: r.unknown ?? [] },
        };
      },
    }),
  ],
  async materialize(ctx) {
    const raw = await readRaw(ctx.db);
    const { items, quarantine, repeated } = normalizeRawRows(raw);
    await writeItems(ctx.db, items);
    await writeQuarantine(ctx.db, quarantine);
    const bySource: Record<string, { items: number; quarantined: number }> = {};
    const tally = (source: string) => {
      bySource[source] ??= { items: 0, quarantined: 0 };
      return bySource[source];
    };
    for (const i of items) tally(i.source).items++;
    for (const q of quarantine) tally(q.source).quarantined++;
    ctx.log.info('catalog normalized', { items: items.length, quarantined: quarantine.length });
    return {
      rowCount: items.length,
      fingerprint: versionHash(
        'items_normalized',
        items.map((i) => [i.sku, i.source, i.brand, i.model, i.specs, i.price, i.currency, i.source_file, i.line]),
        quarantine.map((q) => [q.source_file, q.line, q.reason]),
      ),
      metadata: { quarantined: quarantine.length, repeatedRows: repeated, bySource },
    };
  },
});
