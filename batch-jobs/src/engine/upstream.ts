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

/** A materialization of this step's asset as the up-to-date check needs it. */
export interface PreviousMaterialization {
  run_id: string;
  input_version: string;
  data_version: string;
  checks_passed: boolean;
  row_count: string | number | null;
}

interface Row extends PreviousMaterialization {
  which: 'up' | 'newest' | 'good';
  id: string;
  asset_key: string;
  partition_key: string;
}

export interface StepInputs {
  upstream: Record<string, UpstreamVersion>;
  /** The newest materialization of the asset/partition (whatever its checks said). */
  newest: PreviousMaterialization | undefined;
  /** Its current one (asset_latest): what downstream reads and row-count checks compare with. */
  good: PreviousMaterialization | undefined;
}

/**
 * SQL (a scalar subquery, parameters: $2 asset, $3 partition, $6 the asset's
 * deps) giving, as one JSON array, the current materialization of every
 * direct upstream and the asset's own newest and current materializations.
 * The claim statement of a step (step-executor.ts) selects it, so a step
 * needs no query of its own for its inputs.
 */
export const STEP_INPUTS_SQL = `(SELECT coalesce(json_agg(i), '[]'::json) FROM (
   (SELECT 'up' AS which, materialization_id::text AS id, asset_key, partition_key, data_version,
           NULL::text AS run_id, NULL::text AS input_version, true AS checks_passed, NULL::bigint AS row_count
    FROM asset_latest WHERE asset_key = ANY($6::text[]))
   UNION ALL
   (SELECT 'newest', id::text, asset_key, partition_key, data_version, run_id, input_version, checks_passed, row_count
    FROM asset_materializations WHERE asset_key = $2 AND partition_key = $3 ORDER BY created_at DESC, id DESC LIMIT 1)
   UNION ALL
   (SELECT 'good', m.id::text, m.asset_key, m.partition_key, m.data_version, m.run_id, m.input_version, m.checks_passed,
           m.row_count
    FROM asset_latest l JOIN asset_materializations m ON m.id = l.materialization_id
    WHERE l.asset_key = $2 AND l.partition_key = $3)) i)`;

export type StepInputRow = Row;

/**
 * The data version of every direct upstream as the step reads it (the
 * upstream's current materialization; one read whole across partitions gets
 * one version hashed from all of its partitions'), and the asset's own newest
 * and current materializations, from the rows of STEP_INPUTS_SQL. An upstream
 * never materialized is an error naming it.
 */
export function stepInputsFrom(graph: AssetGraph, asset: string, partition: string, rows: readonly Row[]): StepInputs {
  const deps = graph.get(asset).deps;
  const ups = rows.filter((r) => r.which === 'up');
  const upstream: Record<string, UpstreamVersion> = {};
  for (const dep of deps) {
    const want = upstreamPartition(graph, asset, partition, dep);
    const mine = ups.filter((r) => r.asset_key === dep && (want === '*' || r.partition_key === want));
    const first = mine[0];
    if (!first) {
      throw new JobsError(
        'JOBS_UPSTREAM_MISSING',
        `upstream ${dep}${want && want !== '*' ? ` partition ${want}` : ''} has no good materialization yet`,
        { details: { upstream: dep, partition: want } },
      );
    }
    upstream[dep] =
      want === '*'
        ? { dataVersion: combinedVersion(mine), partition: '*', materializationId: mine.map((r) => r.id).join(',') }
        : { dataVersion: first.data_version, partition: first.partition_key, materializationId: first.id };
  }
  return { upstream, newest: rows.find((r) => r.which === 'newest'), good: rows.find((r) => r.which === 'good') };
}

/** One version for an upstream read across all its partitions: order-independent of the query. */
export function combinedVersion(rows: ReadonlyArray<{ partition_key: string; data_version: string }>): string {
  const pairs = rows.map((r) => [r.partition_key, r.data_version] as const);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return versionHash('ysh.jobs.partitions.v1', pairs);
}
