import type { JobsConfig } from './config.ts';
import { demoDefinitions } from './demo/index.ts';
import type { AnyAsset } from './graph/asset.ts';
import { AssetGraph } from './graph/asset-graph.ts';
import type { SensorDef } from './sensors/file-sensor.ts';

export interface JobsDefinitions {
  graph: AssetGraph;
  sensors: SensorDef[];
}

/**
 * The assets and sensors `ysh jobs` works with. Today the demo graph; the
 * domain packages (catalog, tarifas, propostas, RAG) add theirs here. The graph
 * is validated on load.
 */
export function loadDefinitions(config: Pick<JobsConfig, 'inboxDir'>, extra: { assets?: AnyAsset[]; sensors?: SensorDef[] } = {}): JobsDefinitions {
  const demo = demoDefinitions(config.inboxDir);
  return {
    graph: new AssetGraph([...demo.assets, ...(extra.assets ?? [])]),
    sensors: [...demo.sensors, ...(extra.sensors ?? [])],
  };
}
