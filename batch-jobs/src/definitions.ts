import { pathToFileURL } from 'node:url';
import type { JobsConfig } from './config.ts';
import { demoDefinitions } from './demo/index.ts';
import { domainDefinitions } from './domain.ts';
import { JobsError } from './errors.ts';
import type { AnyAsset } from './graph/asset.ts';
import { AssetGraph } from './graph/asset-graph.ts';
import { propostasInboxDefinitions } from './propostas/inbox.ts';
import { ragDefinitions } from './rag/assets.ts';
import type { SensorDef } from './sensors/file-sensor.ts';

export interface JobsDefinitions {
  graph: AssetGraph;
  sensors: SensorDef[];
}

/**
 * The assets and sensors `ysh jobs` works with: the demo graph, the domain
 * assets (catalog, tarifas: domain.ts), the quote inbox of propostas, plus those
 * exported (`assets`, `sensors`) by each module of YSH_JOBS_MODULES. The domain
 * packages (catalog, tarifas, propostas, RAG) plug in here. The whole graph is
 * validated on load.
 */
export async function loadDefinitions(
  config: Pick<JobsConfig, 'inboxDir' | 'modules' | 'propostas'> & Partial<Pick<JobsConfig, 'rag' | 'tariffTaxes'>>,
  extra: { assets?: AnyAsset[]; sensors?: SensorDef[] } = {},
): Promise<JobsDefinitions> {
  const demo = demoDefinitions(config.inboxDir);
  const domain = domainDefinitions(config);
  const inbox = propostasInboxDefinitions({
    inboxDir: config.inboxDir,
    config: config.propostas,
    ...(config.tariffTaxes ? { taxes: config.tariffTaxes } : {}),
  });
  const assets = [...demo.assets, ...domain.assets, ...inbox.assets, ...(extra.assets ?? [])];
  const sensors = [...demo.sensors, ...domain.sensors, ...inbox.sensors, ...(extra.sensors ?? [])];
  for (const path of config.modules) {
    let mod: { assets?: AnyAsset[]; sensors?: SensorDef[] };
    try {
      mod = (await import(pathToFileURL(path).href)) as typeof mod;
    } catch (err) {
      throw new JobsError('JOBS_GRAPH_INVALID', `cannot load asset module ${path}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    assets.push(...(mod.assets ?? []));
    sensors.push(...(mod.sensors ?? []));
  }
  if (config.rag) {
    // the RAG catalog index runs after the catalog asset when the graph has one
    const rag = ragDefinitions(config.rag, { catalogAsset: assets.some((a) => a.key === 'catalog_items') });
    assets.push(...rag.assets);
    sensors.push(...rag.sensors);
  }
  return { graph: new AssetGraph(assets), sensors };
}
