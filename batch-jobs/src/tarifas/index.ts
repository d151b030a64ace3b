import { join } from 'node:path';
import type { AnyAsset } from '../graph/asset.ts';
import { defineSensor, type SensorDef } from '../sensors/file-sensor.ts';
import { bandeiras } from './bandeiras.ts';
import { tarifasGold } from './tarifas-gold.ts';
import { tarifasNormalized } from './tarifas-normalized.ts';
import { tarifasRaw } from './tarifas-raw.ts';

/** ANEEL fixtures shipped for tests and the demo (third-party copies, NOT current tariffs; see data/aneel/SOURCE.txt). */
export const ANEEL_FIXTURES_DIR = join(import.meta.dirname, '..', '..', 'data', 'aneel');

/** Where ANEEL files are dropped or fetched to: <inbox>/aneel. */
export const aneelInbox = (inboxDir: string) => join(inboxDir, 'aneel');

/** tarifas_raw -> (tarifas_normalized, bandeiras) -> tarifas_gold, and the ANEEL inbox sensor. */
export function tarifasDefinitions(o: { inboxDir: string }): { assets: AnyAsset[]; sensors: SensorDef[] } {
  const dir = aneelInbox(o.inboxDir);
  return {
    assets: [tarifasRaw(dir), tarifasNormalized, bandeiras, tarifasGold],
    sensors: [
      defineSensor({ name: 'aneel_inbox', kind: 'files', dir, pattern: /\.(csv|json)$/i, assets: ['tarifas_raw'] }),
    ],
  };
}
