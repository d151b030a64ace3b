import type { Queryable } from '@ysh/common/db';
import { resolveConfig } from '../graph/asset-config.ts';
import type { AnyAsset } from '../graph/asset.ts';
import type { AssetGraph } from '../graph/asset-graph.ts';
import { combinedVersion, upstreamPartition } from '../engine/upstream.ts';
import { DEFAULT_TZ, nextTick } from '../schedule/cron.ts';
import { JOBS_ALERT_SITE } from '../alerts/job-alerts.ts';
import { configHash } from '../versions/data-version.ts';
import { diffConfig } from './config-diff.ts';

/**
 * fresh: materialized, and nothing it was built from changed since.
 * stale: something changed (code, config, an upstream's data, its source) or
 *   a freshness deadline was missed — the reasons say which.
 * failing: its latest step failed (error or blocking check).
 * missing: never materialized.
 */
export type AssetState = 'fresh' | 'stale' | 'failing' | 'missing';

export interface AssetStatus {
  key: string;
  layer: string;
  state: AssetState;
  /** Why it is not fresh, one line each; empty when fresh. */
  reasons: string[];
  /** Non-blocking check failures of the current materialization. */
  warnings: string[];
  running: boolean;
  last?: { runId: string; at: string; dataVersion: string; rowCount: number | null };
  lastStep?: { runId: string; status: string; at: string };
  nextTick?: string;
  freshness?: { deadline: string; nextDeadline: string; openAlert?: string };
  partitions?: { kind: string; materialized: number; failed: string[] };
}

interface MatRow {
  id: string;
  run_id: string;
  asset_key: string;
  partition_key: string;
  data_version: string;
  code_version: string;
  config: Record<string, unknown>;
  config_hash: string;
  upstream: Record<string, { dataVersion: string; partition: string }>;
  source_version: string | null;
  row_count: string | null;
  created_at: Date;
}

interface StepLatest {
  asset_key: string;
  partition_key: string;
  run_id: string;
  status: string;
  error: { code: string; message: string; details?: Record<string, unknown> } | null;
  reason: string | null;
  created_at: Date;
  finished_at: Date | null;
}

export const short = (v: string | undefined): string => (v ? v.slice(0, 8) : '-');

/** Status of every asset of the graph with the reasons, judged against the code running this. */
export async function assetStatuses(db: Queryable, graph: AssetGraph, now = Date.now()): Promise<AssetStatus[]> {
  const keys = [...graph.order];
  const { rows: mats } = await db.query<MatRow>(
    `SELECT m.id::text, m.run_id, m.asset_key, m.partition_key, m.data_version, m.code_version,
            m.config, m.config_hash, m.upstream, m.source_version, m.row_count, m.created_at
     FROM asset_latest l JOIN asset_materializations m ON m.id = l.materialization_id
     WHERE l.asset_key = ANY($1::text[])`,
    [keys],
  );
  const { rows: steps } = await db.query<StepLatest>(
    // The latest step of each asset (of each of its recent partitions), one index range per asset.
    `SELECT s.* FROM unnest($1::text[]) AS k(asset) CROSS JOIN LATERAL (
       SELECT DISTINCT ON (partition_key) asset_key, partition_key, run_id, status, error, reason, created_at, finished_at
       FROM (SELECT * FROM job_steps WHERE asset_key = k.asset ORDER BY created_at DESC LIMIT 1000) recent
       ORDER BY partition_key, created_at DESC) s`,
    [keys],
  );
  const { rows: warns } = await db.query<{
    asset_key: string;
    partition_key: string;
    check_name: string;
    details: unknown;
  }>(
    `SELECT c.asset_key, c.partition_key, c.check_name, c.details FROM asset_check_results c
     WHERE NOT c.passed AND c.materialization_id IN (SELECT materialization_id FROM asset_latest WHERE asset_key = ANY($1::text[]))`,
    [keys],
  );
  const { rows: alerts } = await db.query<{ device: string; id: string; since: Date }>(
    `SELECT device, id, since FROM alerts WHERE site = $1 AND rule = 'freshness_missed' AND state <> 'resolved'`,
    [JOBS_ALERT_SITE],
  );
  const matsOf = (k: string) => mats.filter((m) => m.asset_key === k);
  const out = new Map<string, AssetStatus>();
  for (const asset of graph.assets()) {
    const mine = matsOf(asset.key);
    const myStepsAll = steps.filter((s) => s.asset_key === asset.key);
    const latestStep = [...myStepsAll].sort((a, b) => b.created_at.getTime() - a.created_at.getTime())[0];
    const s: AssetStatus = {
      key: asset.key,
      layer: asset.layer,
      state: 'fresh',
      reasons: [],
      warnings: [],
      running: false,
    };
    if (latestStep)
      s.lastStep = { runId: latestStep.run_id, status: latestStep.status, at: latestStep.created_at.toISOString() };
    s.running = myStepsAll.some((x) => x.status === 'running' || x.status === 'queued');
    const current = [...mine].sort((a, b) => b.created_at.getTime() - a.created_at.getTime())[0];
    if (current)
      s.last = {
        runId: current.run_id,
        at: current.created_at.toISOString(),
        dataVersion: current.data_version,
        rowCount: current.row_count === null ? null : Number(current.row_count),
      };
    if (asset.partitions) {
      const failed = myStepsAll.filter((x) => x.status === 'failed').map((x) => x.partition_key);
      s.partitions = { kind: asset.partitions.kind, materialized: mine.length, failed };
    }
    const failedSteps = myStepsAll.filter((x) => x.status === 'failed');
    if (failedSteps.length > 0 && (!asset.partitions ? latestStep?.status === 'failed' : true)) {
      s.state = 'failing';
      for (const f of asset.partitions ? failedSteps : [latestStep as StepLatest]) {
        const where = f.partition_key ? ` [${f.partition_key}]` : '';
        const detail = f.error?.details ? ` ${JSON.stringify(f.error.details)}` : '';
        s.reasons.push(
          `run ${f.run_id}${where} failed: ${f.error?.code ?? ''} ${f.error?.message ?? ''}${detail}`.replace(
            /\s+/g,
            ' ',
          ),
        );
      }
    } else if (!current) {
      s.state = 'missing';
      s.reasons.push(
        latestStep?.status === 'blocked' ? `never materialized: ${latestStep.reason}` : 'never materialized',
      );
    }
    if (current) {
      const reasons = await staleReasons(db, graph, asset, current, mats, out);
      if (reasons.length > 0 && s.state === 'fresh') s.state = 'stale';
      s.reasons.push(...reasons);
    }
    for (const w of warns.filter((x) => x.asset_key === asset.key))
      s.warnings.push(`check ${w.check_name} failed (warning): ${JSON.stringify(w.details)}`);
    if (asset.schedule)
      s.nextTick = new Date(nextTick(asset.schedule.cron, asset.schedule.tz ?? DEFAULT_TZ, now)).toISOString();
    if (asset.freshness) {
      const tz = asset.freshness.tz ?? DEFAULT_TZ;
      const open = alerts.find((a) => a.device === asset.key);
      s.freshness = {
        deadline: `${asset.freshness.deadline} ${tz}`,
        nextDeadline: new Date(nextTick(asset.freshness.deadline, tz, now)).toISOString(),
        ...(open ? { openAlert: open.id } : {}),
      };
      if (open) {
        s.reasons.push(`missed its freshness deadline of ${open.since.toISOString()} (alert ${open.id} open)`);
        if (s.state === 'fresh') s.state = 'stale';
      }
    }
    out.set(asset.key, s);
  }
  return [...out.values()];
}

async function staleReasons(
  db: Queryable,
  graph: AssetGraph,
  asset: AnyAsset,
  m: MatRow,
  mats: MatRow[],
  known: Map<string, AssetStatus>,
): Promise<string[]> {
  const reasons: string[] = [];
  if (m.code_version !== asset.codeVersion)
    reasons.push(`code version changed: ${m.code_version} -> ${asset.codeVersion}`);
  let config: Record<string, unknown> | undefined;
  try {
    config = resolveConfig(asset, undefined);
  } catch (err) {
    reasons.push(`its default config is invalid: ${(err as Error).message}`);
  }
  if (config && configHash(config) !== m.config_hash) {
    const changes = diffConfig(m.config, config).map(
      (c) => `${c.key} ${JSON.stringify(c.before)} -> ${JSON.stringify(c.after)}`,
    );
    reasons.push(`config changed: ${changes.join(', ') || 'hash differs'}`);
  }
  for (const dep of asset.deps) {
    const want = upstreamPartition(graph, asset.key, m.partition_key, dep);
    const theirs = mats.filter((x) => x.asset_key === dep && (want === '*' || x.partition_key === want));
    const now = want === '*' ? (theirs.length > 0 ? combinedVersion(theirs) : undefined) : theirs[0]?.data_version;
    const then = m.upstream[dep]?.dataVersion;
    if (now !== then) reasons.push(`upstream ${dep} changed: data version ${short(then)} -> ${short(now)}`);
    const up = known.get(dep);
    if (up && up.state !== 'fresh') reasons.push(`upstream ${dep} is ${up.state}`);
  }
  if (asset.observe) {
    try {
      const obs = await asset.observe({ db, config: config ?? m.config, partition: m.partition_key || undefined });
      if (obs !== m.source_version)
        reasons.push(`source changed: ${short(m.source_version ?? undefined)} -> ${short(obs)}`);
    } catch (err) {
      reasons.push(`source cannot be observed: ${(err as Error).message}`);
    }
  }
  return reasons;
}
