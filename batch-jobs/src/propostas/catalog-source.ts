/** Catalog rows for sizing from the gold table `catalog_items` (migration 0310). */
import type { Queryable } from '@ysh/common/db';
import type { CatalogItem } from '../catalog/catalog-item.ts';
import { allCatalogItems } from '../catalog/catalog-store.ts';

export async function readCatalog(db: Queryable): Promise<{ items: CatalogItem[]; version: string }> {
  const items = await allCatalogItems(db);
  const versions = [...new Set(items.map((i) => i.dataVersion))].sort();
  return { items, version: versions.join(',') || 'empty' };
}
