import type { Queryable } from '@ysh/common/db';
import { JobsError } from '../errors.ts';
import type { AssetGraph } from '../graph/asset-graph.ts';
import { partitionRange } from '../graph/partitions.ts';
import { configHash } from '../versions/data-version.ts';
import { stepId, type RunPlan } from './plan.ts';
import { getRun, getSteps } from './run-store.ts';

const RETRY = new Set(['failed', 'blocked', 'canceled']);

/**
 * `ysh jobs retry RUN`: the run's failed, blocked and canceled steps only —
 * with the configuration the run had — waiting on each other as before. The
 * steps that succeeded are not repeated; the retried ones read their latest
 * good upstream versions.
 */
export async function retryPlan(db: Queryable, graph: AssetGraph, runId: string): Promise<RunPlan> {
  const run = await getRun(db, runId);
  if (run.status === 'queued' || run.status === 'running')
    throw new JobsError('JOBS_RUN_NOT_RETRIABLE', `run ${runId} is still ${run.status}`);
  const steps = (await getSteps(db, runId)).filter((s) => RETRY.has(s.status));
  if (steps.length === 0)
    throw new JobsError('JOBS_RUN_NOT_RETRIABLE', `run ${runId} has no failed step (status ${run.status})`);
  for (const s of steps) graph.get(s.asset_key);
  const ids = new Set(steps.map((s) => stepId(s.asset_key, s.partition_key)));
  const order = new Map(graph.order.map((k, i) => [k, i]));
  steps.sort((a, b) => (order.get(a.asset_key) ?? 0) - (order.get(b.asset_key) ?? 0));
  const config: Record<string, Record<string, unknown>> = {};
  for (const s of steps) config[s.asset_key] = run.config.assets[s.asset_key] ?? {};
  return {
    steps: steps.map((s) => ({
      asset: s.asset_key,
      partition: s.partition_key,
      deps: s.deps.filter((d) => ids.has(d)),
    })),
    config,
    configHash: configHash(config),
    force: run.config.force,
  };
}

/** Partitions of `asset` in [from, to] that are missing (no good materialization) or whose latest step failed. */
export async function partitionsToBackfill(
  db: Queryable,
  graph: AssetGraph,
  asset: string,
  from: string,
  to: string,
): Promise<{ all: string[]; todo: string[] }> {
  const all = partitionRange(asset, graph.get(asset).partitions, from, to);
  const { rows: good } = await db.query<{ partition_key: string }>(
    'SELECT partition_key FROM asset_latest WHERE asset_key = $1 AND partition_key = ANY($2::text[])',
    [asset, all],
  );
  const { rows: latest } = await db.query<{ partition_key: string; status: string }>(
    `SELECT DISTINCT ON (partition_key) partition_key, status FROM job_steps
     WHERE asset_key = $1 AND partition_key = ANY($2::text[]) ORDER BY partition_key, created_at DESC`,
    [asset, all],
  );
  const ok = new Set(good.map((r) => r.partition_key));
  const failed = new Set(
    latest.filter((r) => r.status === 'failed' || r.status === 'blocked').map((r) => r.partition_key),
  );
  return { all, todo: all.filter((p) => !ok.has(p) || failed.has(p)) };
}
