import { inTransaction, type PoolClient, type Queryable } from '@ysh/common/db';
import { JOBS_ALERT_SITE, openJobsAlert, resolveJobsAlerts } from '../alerts/job-alerts.ts';
import type { CheckResult } from '../checks/check.ts';
import type { StepErrorInfo } from '../errors.ts';
import type { MaterializeResult, UpstreamVersion } from '../graph/asset.ts';
import { configHash } from '../versions/data-version.ts';
import type { ExecutorDeps } from './executor-deps.ts';
import type { StepJobData } from './queue.ts';
import { enqueueSteps } from './run-store.ts';
import type { LogEntry } from './step-log.ts';
import { stepId } from './plan.ts';

/** What a step produced, recorded with its outcome. */
export interface NewMaterialization {
  version: string;
  input: string;
  codeVersion: string;
  config: Record<string, unknown>;
  upstream: Record<string, UpstreamVersion>;
  sourceVersion: string | undefined;
  fingerprint: string;
  result: MaterializeResult;
  checks: CheckResult[];
  /** false when a blocking check failed: stored, but not the asset's current version. */
  passed: boolean;
}

export type StepOutcome =
  | { status: 'succeeded'; checks: CheckResult[]; dataVersion: string; materialization: NewMaterialization }
  | { status: 'up_to_date'; reason: string }
  /** `stopped`: canceled because its worker is stopping; the attempt counts as lost, not as a failure. */
  | { status: 'retrying'; error: StepErrorInfo; stopped?: boolean }
  | { status: 'failed'; error: StepErrorInfo; checks?: CheckResult[]; materialization?: NewMaterialization };

/**
 * Records a step's outcome and moves its run on.
 *
 * First, outside any transaction, what is idempotent on its own: the
 * materialization (with the asset's current pointer and check results), the
 * step's logs and the asset's alerts. Then one transaction, short because on
 * the embedded PGlite every transaction holds the one shared session:
 * - one statement closes the attempt and the step (only if this attempt is
 *   still the step's current one: else it is "superseded"), and on success
 *   decrements `waiting` of the steps that depend on it — under their row
 *   locks, so of two steps finishing at once exactly one brings their common
 *   dependent to 0 and queues it — and counts the step on the run (the count
 *   that reaches 0 closes the run: failed if any step failed or was blocked);
 * - the pg-boss jobs of the steps it made ready, in the same transaction.
 * A failure also blocks every pending step downstream of it in the run and
 * opens an alert in the same transaction, and a success resolves the asset's open alerts there;
 * "retrying" puts the step back to queued (pg-boss retries the job after its backoff).
 */
export async function finishStep(
  d: ExecutorDeps,
  step: StepJobData,
  attempt: number,
  outcome: StepOutcome,
  logs: LogEntry[],
): Promise<void> {
  const { runId, asset, partition } = step;
  const error = 'error' in outcome ? outcome.error : null;
  const m = 'materialization' in outcome ? outcome.materialization : undefined;
  await writeLogs(d.pool, step, attempt, logs);
  const now = Date.now();
  const checks = 'checks' in outcome ? (outcome.checks ?? []) : [];
  const failedChecks = checks.filter((x) => !x.passed && x.severity === 'error');
  for (const f of failedChecks) {
    await inTransaction(d.pool, (c) =>
      openJobsAlert(
        c,
        {
          rule: 'check_failed',
          asset,
          severity: f.blocking ? 'critical' : 'warning',
          incident: `${f.name}:${runId}`,
          since: now,
          at: now,
          message: `asset ${asset}: check ${f.name} failed in run ${runId}${f.blocking ? ' (blocking)' : ''}: ${JSON.stringify(f.details)}`,
        },
        d.alertChannels,
      ),
    );
  }
  const done = outcome.status === 'succeeded' || outcome.status === 'up_to_date';
  const terminal = outcome.status !== 'retrying';
  const result = await inTransaction(d.pool, async (c) => {
    const { rows } = await c.query<{
      current: boolean;
      ready: Array<{ a: string; p: string }> | null;
      materialization_id: string | null;
      open_alerts: boolean;
    }>(
      `WITH mat AS (
         INSERT INTO asset_materializations (run_id, asset_key, partition_key, data_version, input_version, code_version,
           config, config_hash, upstream, source_version, output_fingerprint, row_count, metadata, checks_passed)
         SELECT $1, $2, $3, $11::text, $12::text, $13::text, $14::jsonb, $15::text, $16::jsonb, $17::text, $18::text,
                $19::bigint, $20::jsonb, $21::boolean
         WHERE $11::text IS NOT NULL
         ON CONFLICT (run_id, asset_key, partition_key) DO UPDATE SET data_version = EXCLUDED.data_version,
           input_version = EXCLUDED.input_version, code_version = EXCLUDED.code_version, config = EXCLUDED.config,
           config_hash = EXCLUDED.config_hash, upstream = EXCLUDED.upstream, source_version = EXCLUDED.source_version,
           output_fingerprint = EXCLUDED.output_fingerprint, row_count = EXCLUDED.row_count, metadata = EXCLUDED.metadata,
           checks_passed = EXCLUDED.checks_passed, created_at = now()
         RETURNING id),
       latest AS (
         INSERT INTO asset_latest (asset_key, partition_key, materialization_id, data_version, created_at, verified_at)
         SELECT $2, $3, id, $11::text, now(), now() FROM mat WHERE $21::boolean
         ON CONFLICT (asset_key, partition_key) DO UPDATE SET materialization_id = EXCLUDED.materialization_id,
           data_version = EXCLUDED.data_version, created_at = EXCLUDED.created_at, verified_at = EXCLUDED.verified_at
         RETURNING 1),
       cur AS (
         SELECT 1 FROM job_steps WHERE run_id = $1 AND asset_key = $2 AND partition_key = $3
           AND status = 'running' AND attempts = $4 FOR UPDATE),
       verified AS (
         UPDATE asset_latest SET verified_at = now()
         WHERE asset_key = $2 AND partition_key = $3 AND $5 = 'up_to_date' AND EXISTS (SELECT 1 FROM cur) RETURNING 1),
       att AS (
         UPDATE job_step_attempts SET outcome = CASE WHEN EXISTS (SELECT 1 FROM cur) THEN $5 ELSE 'superseded' END,
           error = $6::jsonb, finished_at = now()
         WHERE run_id = $1 AND asset_key = $2 AND partition_key = $3 AND attempt = $4 RETURNING 1),
       st AS (
         UPDATE job_steps SET status = $7, error = $6::jsonb, reason = $8, progress = NULL,
           finished_at = CASE WHEN $7 = 'queued' THEN NULL ELSE now() END
         WHERE run_id = $1 AND asset_key = $2 AND partition_key = $3 AND EXISTS (SELECT 1 FROM cur) RETURNING 1),
       ready AS (
         UPDATE job_steps SET waiting = waiting - 1, status = CASE WHEN waiting = 1 THEN 'queued' ELSE status END
         WHERE run_id = $1 AND status = 'pending' AND $9 = ANY(deps) AND $10 AND EXISTS (SELECT 1 FROM cur)
         RETURNING asset_key, partition_key, status),
       run AS (
         UPDATE job_runs SET remaining = remaining - 1,
           status = CASE WHEN remaining - 1 > 0 THEN status WHEN failed_steps > 0 THEN 'failed' ELSE 'succeeded' END,
           finished_at = CASE WHEN remaining - 1 > 0 THEN finished_at ELSE now() END,
           started_at = coalesce(started_at, now())
         WHERE id = $1 AND $10 AND EXISTS (SELECT 1 FROM cur) AND status IN ('queued', 'running') RETURNING 1)
       SELECT EXISTS (SELECT 1 FROM cur) AS current,
              (SELECT json_agg(json_build_object('a', asset_key, 'p', partition_key)) FROM ready WHERE status = 'queued') AS ready,
              (SELECT id::text FROM mat) AS materialization_id,
              $10 AND EXISTS (SELECT 1 FROM alerts WHERE site = $22 AND coalesce(device, '') = $2 AND state <> 'resolved')
                AS open_alerts`,
      [
        runId,
        asset,
        partition,
        attempt,
        outcome.status === 'retrying' && outcome.stopped ? 'lost' : outcome.status,
        error === null ? null : JSON.stringify(error),
        outcome.status === 'retrying' ? 'queued' : outcome.status,
        outcome.status === 'up_to_date' ? outcome.reason : null,
        stepId(asset, partition),
        done,
        m?.version ?? null,
        m?.input ?? null,
        m?.codeVersion ?? null,
        m ? JSON.stringify(m.config) : null,
        m ? configHash(m.config) : null,
        m ? JSON.stringify(m.upstream) : null,
        m?.sourceVersion ?? null,
        m?.fingerprint ?? null,
        m?.result.rowCount ?? null,
        m ? JSON.stringify(m.result.metadata ?? {}) : null,
        m?.passed ?? false,
        JOBS_ALERT_SITE,
      ],
    );
    const materializationId = rows[0]?.materialization_id;
    if (m && materializationId) await recordChecks(c, step, materializationId, m.checks);
    const current = rows[0]?.current ?? false;
    const ready = (rows[0]?.ready ?? []).map((r) => ({ runId, asset: r.a, partition: r.p }));
    await enqueueSteps(c, d.boss, d.graph, d.policy, ready);
    let blocked = 0;
    if (current && terminal && !done) {
      const down = await c.query(
        `WITH RECURSIVE down(id) AS (
           SELECT $2::text
           UNION
           SELECT s.asset_key || '@' || s.partition_key FROM job_steps s JOIN down ON down.id = ANY(s.deps) WHERE s.run_id = $1)
         UPDATE job_steps SET status = 'blocked', finished_at = now(), reason = $3
         WHERE run_id = $1 AND status = 'pending' AND (asset_key || '@' || partition_key) IN (SELECT id FROM down)`,
        [
          runId,
          stepId(asset, partition),
          `upstream ${asset}${partition ? ` [${partition}]` : ''} failed: ${error?.message ?? ''}`,
        ],
      );
      blocked = down.rowCount ?? 0;
      await countFinished(c, runId, 1 + blocked, 1 + blocked);
      // In the transaction that closes the step (and perhaps the run): whoever sees the run failed sees its alert.
      if (outcome.status === 'failed' && outcome.error.code !== 'JOBS_CHECK_FAILED') {
        await openJobsAlert(
          c,
          {
            rule: 'asset_failed',
            asset,
            severity: 'critical',
            incident: runId,
            since: now,
            at: now,
            message: `asset ${asset} failed in run ${runId}: ${outcome.error.code}: ${outcome.error.message}${blocked ? ` (${blocked} downstream step(s) blocked)` : ''}`,
          },
          d.alertChannels,
        );
      }
    }
    // Also in the transaction that closes the step (and perhaps the run): whoever sees the run succeeded
    // sees its asset's alerts resolved. Only when the asset has an unresolved alert (known from the finish
    // statement). Up to date counts: the current materialization, whose checks passed, was confirmed
    // against unchanged inputs.
    if (current && done && (rows[0]?.open_alerts ?? false)) {
      const rules =
        failedChecks.length > 0
          ? (['asset_failed', 'freshness_missed'] as const)
          : (['asset_failed', 'check_failed', 'freshness_missed'] as const);
      const how = outcome.status === 'up_to_date' ? 'confirmed up to date' : 'materialized';
      await resolveJobsAlerts(c, asset, rules, now, `asset ${asset} ${how} in run ${runId}`, d.alertChannels);
    }
    return { current, queued: ready.length, blocked };
  });

  if (result.queued > 0) d.onQueued?.(result.queued);
}

async function writeLogs(c: Queryable, step: StepJobData, attempt: number, logs: LogEntry[]): Promise<void> {
  if (logs.length === 0) return;
  await c.query(
    `INSERT INTO job_step_logs (run_id, asset_key, partition_key, attempt, level, message, data, at)
     SELECT $1, $2, $3, $4, l, m, d::jsonb, a FROM unnest($5::text[], $6::text[], $7::text[], $8::timestamptz[]) AS t(l, m, d, a)`,
    [
      step.runId,
      step.asset,
      step.partition,
      attempt,
      logs.map((l) => l.level),
      logs.map((l) => l.message),
      logs.map((l) => (l.data === undefined ? null : JSON.stringify(l.data))),
      logs.map((l) => l.at.toISOString()),
    ],
  );
}

/**
 * Counts finished steps (and failed or blocked ones) on the run; the update
 * that brings `remaining` to 0 closes the run: failed if any step failed or
 * was blocked, else succeeded.
 */
export async function countFinished(c: PoolClient, runId: string, finished: number, bad: number): Promise<void> {
  await c.query(
    `UPDATE job_runs SET remaining = remaining - $2, failed_steps = failed_steps + $3,
       status = CASE WHEN remaining - $2 > 0 THEN status WHEN failed_steps + $3 > 0 THEN 'failed' ELSE 'succeeded' END,
       finished_at = CASE WHEN remaining - $2 > 0 THEN finished_at ELSE now() END,
       started_at = coalesce(started_at, now())
     WHERE id = $1 AND status IN ('queued', 'running')`,
    [runId, finished, bad],
  );
}

/** Check results of a materialization (a re-executed step replaces its own). */
async function recordChecks(c: Queryable, step: StepJobData, id: string, checks: CheckResult[]): Promise<void> {
  if (checks.length === 0) return;
  await c.query(
    `INSERT INTO asset_check_results (materialization_id, run_id, asset_key, partition_key, check_name, severity, blocking, passed, details)
     SELECT $1, $2, $3, $4, n, s, b, p, d::jsonb
     FROM unnest($5::text[], $6::text[], $7::boolean[], $8::boolean[], $9::text[]) AS t(n, s, b, p, d)
     ON CONFLICT (materialization_id, check_name) DO UPDATE SET severity = EXCLUDED.severity,
       blocking = EXCLUDED.blocking, passed = EXCLUDED.passed, details = EXCLUDED.details, created_at = now()`,
    [
      id,
      step.runId,
      step.asset,
      step.partition,
      checks.map((x) => x.name),
      checks.map((x) => x.severity),
      checks.map((x) => x.blocking),
      checks.map((x) => x.passed),
      checks.map((x) => JSON.stringify(x.details)),
    ],
  );
}
