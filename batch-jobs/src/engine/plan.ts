import { JobsError } from '../errors.ts';
import { resolveConfig } from '../graph/asset-config.ts';
import type { AssetGraph } from '../graph/asset-graph.ts';
import { checkPartition } from '../graph/partitions.ts';
import { configHash } from '../versions/data-version.ts';

export const TRIGGERS = ['schedule', 'sensor', 'manual', 'backfill', 'retry'] as const;
export type RunTrigger = (typeof TRIGGERS)[number];

/** What to materialize. */
export interface Selection {
  assets: readonly string[];
  /** Add every asset downstream of the selected ones. */
  downstream?: boolean;
  /** Add every asset upstream of the selected ones (scheduled runs: stale upstreams are refreshed, fresh ones skip). */
  upstream?: boolean;
  /** Partition for the partitioned assets of the run. */
  partition?: string;
  /** Backfill: these partitions of the (single) selected asset, one step each. */
  partitions?: readonly string[];
  /** Per-asset config overrides. */
  config?: Readonly<Record<string, Record<string, unknown>>>;
  /** Materialize even when inputs did not change. */
  force?: boolean;
}

export interface PlannedStep {
  asset: string;
  partition: string;
  /** Step ids (asset@partition) in the same run this step waits for. */
  deps: string[];
}

export interface RunPlan {
  steps: PlannedStep[];
  config: Record<string, Record<string, unknown>>;
  configHash: string;
  force: boolean;
}

export const stepId = (asset: string, partition: string): string => `${asset}@${partition}`;

/** The steps of a run in dependency order, each with the same-run steps it waits for. */
export function planRun(graph: AssetGraph, sel: Selection): RunPlan {
  if (sel.assets.length === 0) throw new JobsError('JOBS_ASSET_UNKNOWN', 'name at least one asset');
  const keys = new Set<string>();
  for (const k of sel.assets) {
    graph.get(k);
    keys.add(k);
    if (sel.downstream) for (const d of graph.downstreamOf(k)) keys.add(d);
    if (sel.upstream) for (const u of graph.upstreamOf(k)) keys.add(u);
  }
  for (const k of Object.keys(sel.config ?? {}))
    if (!keys.has(k)) throw new JobsError('JOBS_CONFIG_INVALID', `config given for ${k}, which is not in the run`);
  const config: Record<string, Record<string, unknown>> = {};
  for (const k of keys) config[k] = resolveConfig(graph.get(k), sel.config?.[k]);

  const steps: PlannedStep[] = [];
  if (sel.partitions) {
    const [only, ...more] = sel.assets;
    if (more.length > 0 || keys.size > 1 || only === undefined)
      throw new JobsError('JOBS_PARTITION_INVALID', 'a backfill names exactly one asset');
    const asset = graph.get(only);
    for (const p of sel.partitions)
      steps.push({ asset: only, partition: checkPartition(only, asset.partitions, p), deps: [] });
  } else {
    const partOf = (k: string): string => {
      const a = graph.get(k);
      return a.partitions ? checkPartition(k, a.partitions, sel.partition) : '';
    };
    for (const k of graph.topoSort(keys)) {
      const partition = partOf(k);
      const deps = graph
        .get(k)
        .deps.filter((d) => keys.has(d))
        .map((d) => stepId(d, partOf(d)));
      steps.push({ asset: k, partition, deps });
    }
  }
  return { steps, config, configHash: configHash(config), force: sel.force ?? false };
}
