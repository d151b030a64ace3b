import { inTransaction, type PoolClient } from '@ysh/common/db';
import { openJobsAlert, resolveJobsAlerts } from '../alerts/job-alerts.ts';
import type { CheckResult } from '../checks/check.ts';
import type { StepErrorInfo } from '../errors.ts';
import type { MaterializeResult, UpstreamVersion } from '../graph/asset.ts';
import { configHash } from '../versions/data-version.ts';
import type { ExecutorDeps } from './step-executor.ts';
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
  | { status: 'retrying'; error: StepErrorInfo }
  | { status: 'failed'; error: StepErrorInfo; checks?: CheckResult[]; materialization?: NewMaterialization };

/**
 * Records a step's outcome and moves its run on, in one transaction. Each
 * pending step counts the dependencies it still waits for; a finishing step
 * decrements its dependents under their row locks, so of two steps finishing
 * at once exactly one sees their common dependent reach 0 and queues it:
 * - success: queue the pending steps whose dependencies are all done; resolve
 *   the asset's failure, check and freshness alerts.
 * - failure: block every step downstream of it in this run; open an alert.
 * - retrying: back to queued (pg-boss retries the job with backoff).
 * When no step is left to run, the run is finished (failed if any step failed
 * or was blocked). An outcome from an attempt that is no longer the step's
 * current one (superseded after a timeout) only closes that attempt.
 */
export async function finishStep(
  d: ExecutorDeps,
  step: StepJobData,
  attempt: number,
  outcome: StepOutcome,
  logs: LogEntry[],
): Promise<void> {
  const { runId, asset, partition } = step;
  const key = [runId, asset, partition];
  const error = 'error' in outcome ? outcome.error : null;
  let queued = 0;
  await inTransaction(d.pool, async (c) => {
    // What does not need the run lock goes first, so the lock is held briefly.
    if ('materialization' in outcome && outcome.materialization)
      await recordMaterialization(c, step, outcome.materialization);
    await writeLogs(c, step, attempt, logs);
    // Alerts of the asset do not need the run lock either.
    const now = Date.now();
    const checks = 'checks' in outcome ? (outcome.checks ?? []) : [];
    const failedChecks = checks.filter((x) => !x.passed && x.severity === 'error');
    for (const f of failedChecks) {
      await openJobsAlert(
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
      );
    }
    if (outcome.status === 'succeeded') {
      const rules =
        failedChecks.length > 0
          ? (['asset_failed', 'freshness_missed'] as const)
          : (['asset_failed', 'check_failed', 'freshness_missed'] as const);
      await resolveJobsAlerts(c, asset, rules, now, `asset ${asset} materialized in run ${runId}`, d.alertChannels);
    }
    const { rows } = await c.query<{ current: boolean }>(
      `WITH cur AS (
         SELECT 1 FROM job_steps WHERE run_id = $1 AND asset_key = $2 AND partition_key = $3
           AND status = 'running' AND attempts = $4 FOR UPDATE),
       att AS (
         UPDATE job_step_attempts SET outcome = CASE WHEN EXISTS (SELECT 1 FROM cur) THEN $5 ELSE 'superseded' END,
           error = $6::jsonb, finished_at = now()
         WHERE run_id = $1 AND asset_key = $2 AND partition_key = $3 AND attempt = $4 RETURNING 1),
       st AS (
         UPDATE job_steps SET status = $7, error = $6::jsonb, reason = $8, progress = NULL,
           finished_at = CASE WHEN $7 = 'queued' THEN NULL ELSE now() END
         WHERE run_id = $1 AND asset_key = $2 AND partition_key = $3 AND EXISTS (SELECT 1 FROM cur) RETURNING 1)
       SELECT EXISTS (SELECT 1 FROM cur) AS current`,
      [
        ...key,
        attempt,
        outcome.status,
        error === null ? null : JSON.stringify(error),
        outcome.status === 'retrying' ? 'queued' : outcome.status,
        outcome.status === 'up_to_date' ? outcome.reason : null,
      ],
    );
    const attemptOutcome = rows[0]?.current ? outcome.status : 'superseded';
    if (attemptOutcome === 'superseded') return;
    if (outcome.status === 'retrying') return;
    let blocked = 0;
    if (outcome.status === 'failed') {
      const id = stepId(asset, partition);
      const { rowCount } = await c.query(
        `WITH RECURSIVE down(id) AS (
           SELECT $2::text
           UNION
           SELECT s.asset_key || '@' || s.partition_key FROM job_steps s JOIN down ON down.id = ANY(s.deps) WHERE s.run_id = $1)
         UPDATE job_steps SET status = 'blocked', finished_at = now(), reason = $3
         WHERE run_id = $1 AND status = 'pending' AND (asset_key || '@' || partition_key) IN (SELECT id FROM down)`,
        [runId, id, `upstream ${asset}${partition ? ` [${partition}]` : ''} failed: ${outcome.error.message}`],
      );
      blocked = rowCount ?? 0;
      if (outcome.error.code !== 'JOBS_CHECK_FAILED') {
        await openJobsAlert(
          c,
          {
            rule: 'asset_failed',
            asset,
            severity: 'critical',
            incident: runId,
            since: now,
            at: now,
            message: `asset ${asset} failed in run ${runId}: ${outcome.error.code}: ${outcome.error.message}${rowCount ? ` (${rowCount} downstream step(s) blocked)` : ''}`,
          },
          d.alertChannels,
        );
      }
    } else {
      // Row locks on the downstream steps serialize concurrent finishes: exactly one brings `waiting` to 0.
      const touched = await c.query<{ asset_key: string; partition_key: string; status: string }>(
        `UPDATE job_steps SET waiting = waiting - 1,
           status = CASE WHEN waiting = 1 THEN 'queued' ELSE status END
         WHERE run_id = $1 AND status = 'pending' AND $2 = ANY(deps)
         RETURNING asset_key, partition_key, status`,
        [runId, stepId(asset, partition)],
      );
      const ready = touched.rows.filter((r) => r.status === 'queued');
      queued = ready.length;
      await enqueueSteps(
        c,
        d.boss,
        d.graph,
        d.policy,
        ready.map((r) => ({ runId, asset: r.asset_key, partition: r.partition_key })),
      );
    }
    // Last, so the run row is locked only until the commit right after.
    await countFinished(c, runId, 1 + blocked, outcome.status === 'failed' ? 1 + blocked : 0);
  });
  if (queued > 0) d.onQueued?.(queued);
}

async function writeLogs(c: PoolClient, step: StepJobData, attempt: number, logs: LogEntry[]): Promise<void> {
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

/** One materialization per (run, asset, partition): a re-executed step replaces its own row, never adds one. */
async function recordMaterialization(c: PoolClient, step: StepJobData, m: NewMaterialization): Promise<void> {
  // The materialization, and (when its blocking checks passed) the asset's current pointer, in one statement.
  const { rows } = await c.query<{ id: string }>(
    `WITH m AS (
       INSERT INTO asset_materializations (run_id, asset_key, partition_key, data_version, input_version, code_version,
         config, config_hash, upstream, source_version, output_fingerprint, row_count, metadata, checks_passed)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9::jsonb, $10, $11, $12, $13::jsonb, $14)
       ON CONFLICT (run_id, asset_key, partition_key) DO UPDATE SET data_version = EXCLUDED.data_version,
         input_version = EXCLUDED.input_version, code_version = EXCLUDED.code_version, config = EXCLUDED.config,
         config_hash = EXCLUDED.config_hash, upstream = EXCLUDED.upstream, source_version = EXCLUDED.source_version,
         output_fingerprint = EXCLUDED.output_fingerprint, row_count = EXCLUDED.row_count, metadata = EXCLUDED.metadata,
         checks_passed = EXCLUDED.checks_passed, created_at = now()
       RETURNING id),
     latest AS (
       INSERT INTO asset_latest (asset_key, partition_key, materialization_id, data_version, created_at)
       SELECT $2, $3, id, $4, now() FROM m WHERE $14
       ON CONFLICT (asset_key, partition_key) DO UPDATE SET materialization_id = EXCLUDED.materialization_id,
         data_version = EXCLUDED.data_version, created_at = EXCLUDED.created_at
       RETURNING 1)
     SELECT id::text FROM m`,
    [
      step.runId,
      step.asset,
      step.partition,
      m.version,
      m.input,
      m.codeVersion,
      JSON.stringify(m.config),
      configHash(m.config),
      JSON.stringify(m.upstream),
      m.sourceVersion ?? null,
      m.fingerprint,
      m.result.rowCount ?? null,
      JSON.stringify(m.result.metadata ?? {}),
      m.passed,
    ],
  );
  const id = rows[0]?.id as string;
  if (m.checks.length === 0) return;
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
      m.checks.map((x) => x.name),
      m.checks.map((x) => x.severity),
      m.checks.map((x) => x.blocking),
      m.checks.map((x) => x.passed),
      m.checks.map((x) => JSON.stringify(x.details)),
    ],
  );
}
