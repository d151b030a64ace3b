import { join } from 'node:path';
import type { AnyAsset } from '../graph/asset.ts';
import { defineSensor, type SensorDef } from '../sensors/file-sensor.ts';
import { catalogCecRaw, catalogFeedsRaw } from './catalog-raw.ts';
import { catalogItems } from './catalog-items.ts';
import { itemsNormalized } from './items-normalized.ts';

/** The CEC lists shipped with the package (see data/catalog/SOURCE.txt). */
export const CEC_DATA_DIR = join(import.meta.dirname, '..', '..', 'data', 'catalog');
/** Example supplier feeds (README "Supplier feeds"); `npm start` drops them into the inbox on first start. */
export const FEED_EXAMPLES_DIR = join(import.meta.dirname, '..', '..', 'data', 'feeds-examples');

/** Where supplier feeds are dropped: <inbox>/catalog. */
export const feedsInbox = (inboxDir: string) => join(inboxDir, 'catalog');

/** catalog_cec_raw + catalog_feeds_raw -> items_normalized -> catalog_items, and the feed inbox sensor. */
export function catalogDefinitions(o: { inboxDir: string; cecDir?: string }): {
  assets: AnyAsset[];
  sensors: SensorDef[];
} {
  const dir = feedsInbox(o.inboxDir);
  return {
    assets: [catalogCecRaw(o.cecDir ?? CEC_DATA_DIR), catalogFeedsRaw(dir), itemsNormalized, catalogItems],
    sensors: [
      defineSensor({ name: 'catalog_feeds', kind: 'files', dir, pattern: /\.csv$/i, assets: ['catalog_feeds_raw'] }),
    ],
  };
}
