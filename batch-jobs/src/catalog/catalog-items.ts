import { Type } from '@sinclair/typebox';
import type { Queryable } from '@ysh/common/db';
import { sqlCheck, unique } from '../checks/builders.ts';
import { defineAsset } from '../graph/asset.ts';
import { versionHash } from '../versions/data-version.ts';
import type { CatalogItem } from './catalog-item.ts';
import { LIMITS } from './validate.ts';

interface NormRow {
  sku: string;
  source: string;
  kind: 'module' | 'inverter';
  brand: string;
  model: string;
  specs: Record<string, unknown>;
  price: string | null;
  currency: string | null;
}

/** CEC first (measured by a lab), then the feeds by file name: the first source with a value gives it. */
const sourceRank = (s: string) => (s.startsWith('cec-') ? `0${s}` : `1${s}`);

/**
 * Merges the rows of one SKU: each spec from the highest-ranked source that has it, the lowest BRL
 * price, every source listed, and a conflict for each numeric spec whose values differ by more
 * than `tolerance` (relative) between sources.
 */
export function mergeProduct(
  rows: readonly NormRow[],
  tolerance: number,
): Omit<CatalogItem, 'dataVersion'> & { dataVersion?: string } {
  const sorted = [...rows].sort((a, b) => sourceRank(a.source).localeCompare(sourceRank(b.source)));
  const first = sorted[0] as NormRow;
  const specs: Record<string, unknown> = {};
  const conflicts: CatalogItem['conflicts'] = [];
  const fields = new Set(sorted.flatMap((r) => Object.keys(r.specs)));
  for (const f of [...fields].sort()) {
    const values: Record<string, unknown> = {};
    for (const r of sorted) if (r.specs[f] !== null && r.specs[f] !== undefined) values[r.source] = r.specs[f];
    const vals = Object.values(values);
    specs[f] = vals[0] ?? null;
    const nums = vals.filter((v): v is number => typeof v === 'number');
    if (nums.length > 1) {
      const lo = Math.min(...nums);
      const hi = Math.max(...nums);
      if (hi - lo > tolerance * Math.max(Math.abs(lo), Math.abs(hi))) conflicts.push({ field: f, values });
    }
  }
  const prices = sorted.filter((r) => r.price !== null && (r.currency ?? 'BRL') === 'BRL').map((r) => Number(r.price));
  return {
    sku: first.sku,
    kind: first.kind,
    brand: first.brand,
    model: first.model,
    specs,
    priceBrl: prices.length ? Math.min(...prices) : null,
    sources: sorted.map((r) => r.source),
    conflicts,
  } as unknown as Omit<CatalogItem, 'dataVersion'>;
}

async function readNormalized(db: Queryable): Promise<NormRow[]> {
  const { rows } = await db.query<NormRow>(
    'SELECT sku, source, kind, brand, model, specs, price::text AS price, currency FROM items_normalized ORDER BY sku, source',
  );
  return rows;
}

const num = (path: string) => `(specs->>'${path}')::float8`;

/**
 * gold: one row per product merged across sources (best price, sources, spec conflicts), read by
 * propostas and RAG through catalog-store.ts.
 */
export const catalogItems = defineAsset({
  key: 'catalog_items',
  layer: 'gold',
  description: 'One row per product merged across sources: specs, best price, sources, conflicts',
  deps: ['items_normalized'],
  codeVersion: '1',
  config: {
    schema: Type.Object(
      { conflict_tolerance: Type.Number({ minimum: 0, maximum: 1 }) },
      { additionalProperties: false },
    ),
    defaults: { conflict_tolerance: 0.01 },
  },
  checks: [
    unique({ table: 'catalog_items', columns: ['sku'], name: 'unique_sku' }),
    sqlCheck({
      name: 'key_specs_not_null',
      sql: `SELECT count(*) AS n FROM catalog_items WHERE brand = '' OR model = '' OR
              (kind = 'module' AND (specs->'pmaxW' IS NULL OR specs->'vocV' IS NULL OR specs->'vmpV' IS NULL
                OR specs->'iscA' IS NULL OR specs->'impA' IS NULL OR specs->'efficiency' IS NULL
                OR jsonb_typeof(specs->'pmaxW') <> 'number' OR jsonb_typeof(specs->'efficiency') <> 'number'))
           OR (kind = 'inverter' AND (specs->'acPowerW' IS NULL OR specs->'maxDcVoltageV' IS NULL
                OR specs->'mpptVMinV' IS NULL OR specs->'mpptVMaxV' IS NULL OR specs->'efficiency' IS NULL
                OR jsonb_typeof(specs->'acPowerW') <> 'number'))`,
    }),
    sqlCheck({
      name: 'module_physical_ranges',
      sql: `SELECT count(*) AS n FROM catalog_items WHERE kind = 'module' AND NOT (
              ${num('pmaxW')} BETWEEN ${LIMITS.modulePmaxW[0]} AND ${LIMITS.modulePmaxW[1]}
              AND ${num('efficiency')} BETWEEN ${LIMITS.moduleEfficiency[0]} AND ${LIMITS.moduleEfficiency[1]}
              AND ${num('vocV')} > ${num('vmpV')} AND ${num('iscA')} > ${num('impA')})`,
    }),
    sqlCheck({
      name: 'inverter_physical_ranges',
      sql: `SELECT count(*) AS n FROM catalog_items WHERE kind = 'inverter' AND NOT (
              ${num('acPowerW')} BETWEEN ${LIMITS.inverterAcPowerW[0]} AND ${LIMITS.inverterAcPowerW[1]}
              AND ${num('efficiency')} BETWEEN ${LIMITS.inverterEfficiency[0]} AND ${LIMITS.inverterEfficiency[1]}
              AND ${num('maxDcVoltageV')} >= ${num('mpptVMaxV')} AND ${num('mpptVMaxV')} > ${num('mpptVMinV')})`,
    }),
    sqlCheck({
      name: 'spec_conflicts',
      severity: 'warn',
      sql: `SELECT count(*) AS n FROM catalog_items WHERE jsonb_array_length(conflicts) > 0`,
    }),
  ],
  async materialize(ctx) {
    const rows = await readNormalized(ctx.db);
    const groups = new Map<string, NormRow[]>();
    for (const r of rows) {
      const g = groups.get(r.sku);
      if (g) g.push(r);
      else groups.set(r.sku, [r]);
    }
    const dataVersion = ctx.upstream.items_normalized?.dataVersion ?? '';
    const merged = [...groups.values()].map((g) => mergeProduct(g, ctx.config.conflict_tolerance));
    const payload = merged.map((m) => ({
      sku: m.sku,
      kind: m.kind,
      brand: m.brand,
      model: m.model,
      specs: m.specs,
      price_brl: m.priceBrl,
      sources: m.sources,
      conflicts: m.conflicts,
      data_version: dataVersion,
    }));
    for (let i = 0; i < payload.length; i += 2000) {
      await ctx.db.query(
        `INSERT INTO catalog_items (sku, kind, brand, model, specs, price_brl, sources, conflicts, data_version)
         SELECT sku, kind, brand, model, specs, price_brl, ARRAY(SELECT jsonb_array_elements_text(sources)), conflicts,
                data_version
         FROM jsonb_to_recordset($1::jsonb) AS t(sku text, kind text, brand text, model text, specs jsonb,
           price_brl numeric, sources jsonb, conflicts jsonb, data_version text)
         ON CONFLICT (sku) DO UPDATE SET kind = EXCLUDED.kind, brand = EXCLUDED.brand, model = EXCLUDED.model,
           specs = EXCLUDED.specs, price_brl = EXCLUDED.price_brl, sources = EXCLUDED.sources,
           conflicts = EXCLUDED.conflicts, data_version = EXCLUDED.data_version, updated_at = now()
         WHERE (catalog_items.kind, catalog_items.brand, catalog_items.model, catalog_items.specs,
                catalog_items.price_brl, catalog_items.sources, catalog_items.conflicts, catalog_items.data_version)
           IS DISTINCT FROM (EXCLUDED.kind, EXCLUDED.brand, EXCLUDED.model, EXCLUDED.specs, EXCLUDED.price_brl,
                EXCLUDED.sources, EXCLUDED.conflicts, EXCLUDED.data_version)`,
        [JSON.stringify(payload.slice(i, i + 2000))],
      );
    }
    await ctx.db.query('DELETE FROM catalog_items WHERE NOT (sku = ANY($1::text[]))', [payload.map((p) => p.sku)]);
    const withConflicts = merged.filter((m) => m.conflicts.length > 0).length;
    return {
      rowCount: merged.length,
      fingerprint: versionHash(
        'catalog_items',
        merged.map((m) => [m.sku, m.specs, m.priceBrl, m.sources, m.conflicts]),
      ),
      metadata: {
        modules: merged.filter((m) => m.kind === 'module').length,
        inverters: merged.filter((m) => m.kind === 'inverter').length,
        withConflicts,
        priced: merged.filter((m) => m.priceBrl !== null).length,
      },
    };
  },
});
