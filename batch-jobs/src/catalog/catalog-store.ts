import type { Queryable } from '@ysh/common/db';
import type { CatalogItem, CatalogKind } from './catalog-item.ts';

export interface CatalogFilter {
  kind?: CatalogKind;
  /** canonical brand, case-insensitive */
  brand?: string;
  /** words that must all appear in brand, model or SKU (case-insensitive) */
  q?: string;
  /** module Pmax or inverter AC rating, W */
  minPowerW?: number;
  maxPowerW?: number;
  /** only priced items at or below this, R$ */
  maxPriceBrl?: number;
  /** default 50, at most 500 */
  limit?: number;
  /** keyset paging: items after this SKU (pass the last SKU of the previous page) */
  cursor?: string;
}

interface Row {
  sku: string;
  kind: CatalogKind;
  brand: string;
  model: string;
  specs: CatalogItem['specs'];
  price_brl: string | null;
  sources: string[];
  conflicts: CatalogItem['conflicts'];
  data_version: string;
}

const toItem = (r: Row): CatalogItem =>
  ({
    sku: r.sku,
    kind: r.kind,
    brand: r.brand,
    model: r.model,
    specs: r.specs,
    priceBrl: r.price_brl === null ? null : Number(r.price_brl),
    sources: r.sources,
    conflicts: r.conflicts,
    dataVersion: r.data_version,
  }) as CatalogItem;

const COLUMNS = 'sku, kind, brand, model, specs, price_brl::text AS price_brl, sources, conflicts, data_version';
const POWER = `coalesce((specs->>'pmaxW')::float8, (specs->>'acPowerW')::float8)`;

/** Every gold catalog item, ordered by SKU (sizing and the search index read the whole table). */
export async function allCatalogItems(db: Queryable): Promise<CatalogItem[]> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM catalog_items ORDER BY sku`);
  return rows.map(toItem);
}

/** Gold catalog items matching `filter`, ordered by SKU (page with `cursor` = last SKU seen). */
export async function listCatalogItems(db: Queryable, filter: CatalogFilter = {}): Promise<CatalogItem[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (filter.kind) where.push(`kind = ${p(filter.kind)}`);
  if (filter.brand) where.push(`lower(brand) = lower(${p(filter.brand)})`);
  for (const word of (filter.q ?? '').split(/\s+/).filter(Boolean))
    where.push(`(brand || ' ' || model || ' ' || sku) ILIKE ${p(`%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)}`);
  if (filter.minPowerW !== undefined) where.push(`${POWER} >= ${p(filter.minPowerW)}`);
  if (filter.maxPowerW !== undefined) where.push(`${POWER} <= ${p(filter.maxPowerW)}`);
  if (filter.maxPriceBrl !== undefined) where.push(`price_brl <= ${p(filter.maxPriceBrl)}`);
  if (filter.cursor) where.push(`sku > ${p(filter.cursor)}`);
  const limit = Math.min(Math.max(Math.trunc(filter.limit ?? 50), 1), 500);
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM catalog_items ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY sku LIMIT ${limit}`,
    params,
  );
  return rows.map(toItem);
}

/** One gold catalog item, or null when no product has that SKU. */
export async function getCatalogItem(db: Queryable, sku: string): Promise<CatalogItem | null> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM catalog_items WHERE sku = $1`, [sku]);
  return rows[0] ? toItem(rows[0]) : null;
}
