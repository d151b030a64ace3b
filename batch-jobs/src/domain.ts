import type { JobsConfig } from './config.ts';
import { catalogDefinitions } from './catalog/index.ts';
import type { AnyAsset } from './graph/asset.ts';
import type { SensorDef } from './sensors/file-sensor.ts';
import { propostasAssets } from './propostas/assets.ts';
import { tarifasDefinitions } from './tarifas/index.ts';

/**
 * The domain assets of the platform and their inbox sensors: catalog (CEC lists + supplier feeds
 * in <inbox>/catalog), tarifas (ANEEL files in <inbox>/aneel) and propostas. Loaded beside the demo graph.
 */
export function domainDefinitions(config: Pick<JobsConfig, 'inboxDir'>): { assets: AnyAsset[]; sensors: SensorDef[] } {
  const parts = [catalogDefinitions({ inboxDir: config.inboxDir }), tarifasDefinitions({ inboxDir: config.inboxDir })];
  return { assets: [...parts.flatMap((p) => p.assets), ...propostasAssets], sensors: parts.flatMap((p) => p.sensors) };
}
