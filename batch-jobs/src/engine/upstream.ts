import type { Queryable } from '@ysh/common/db';
import type { AssetGraph } from '../graph/asset-graph.ts';
import type { UpstreamVersion } from '../graph/asset.ts';
import { JobsError } from '../errors.ts';
import { versionHash } from '../versions/data-version.ts';

/** Which partition of upstream `dep` a step of `asset` at `partition` reads ('*' = all of them). */
export function upstreamPartition(graph: AssetGraph, asset: string, partition: string, dep: string): string {
  const d = graph.get(dep).partitions;
  if (!d) return '';
  const me = graph.get(asset).partitions;
  if (!me) return '*';
  if (d.kind === me.kind) return partition;
  if (d.kind === 'monthly' && me.kind === 'daily') return partition.slice(0, 7);
  return '*';
}

interface LatestRow {
  id: string;
  asset_key: string;
  partition_key: string;
  data_version: string;
}

/**
 * The data version of every direct upstream as the step would read it now:
 * the latest materialization that passed its blocking checks. An upstream read
 * whole across partitions gets one version hashed from all of its partitions'.
 * An upstream never materialized is an error naming it.
 */
export async function resolveUpstream(
  db: Queryable,
  graph: AssetGraph,
  asset: string,
  partition: string,
): Promise<Record<string, UpstreamVersion>> {
  const deps = graph.get(asset).deps;
  if (deps.length === 0) return {};
  const { rows } = await db.query<LatestRow>(
    `SELECT materialization_id::text AS id, asset_key, partition_key, data_version
     FROM asset_latest WHERE asset_key = ANY($1::text[])`,
    [deps],
  );
  const out: Record<string, UpstreamVersion> = {};
  for (const dep of deps) {
    const want = upstreamPartition(graph, asset, partition, dep);
    const mine = rows.filter((r) => r.asset_key === dep && (want === '*' || r.partition_key === want));
    const first = mine[0];
    if (!first) {
      throw new JobsError(
        'JOBS_MATERIALIZE_FAILED',
        `upstream ${dep}${want && want !== '*' ? ` partition ${want}` : ''} has no good materialization yet`,
        { details: { upstream: dep, partition: want } },
      );
    }
    out[dep] =
      want === '*'
        ? {
            dataVersion: combinedVersion(mine),
            partition: '*',
            materializationId: mine.map((r) => r.id).join(','),
          }
        : { dataVersion: first.data_version, partition: first.partition_key, materializationId: first.id };
  }
  return out;
}

/** One version for an upstream read across all its partitions: order-independent of the query. */
export function combinedVersion(rows: ReadonlyArray<{ partition_key: string; data_version: string }>): string {
  const pairs = rows.map((r) => [r.partition_key, r.data_version] as const);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return versionHash('ysh.jobs.partitions.v1', pairs);
}
