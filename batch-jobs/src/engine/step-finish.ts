import { inTransaction, type PoolClient } from '@ysh/common/db';
import { openJobsAlert, resolveJobsAlerts } from '../alerts/job-alerts.ts';
import type { CheckResult } from '../checks/check.ts';
import type { StepErrorInfo } from '../errors.ts';
import type { ExecutorDeps } from './step-executor.ts';
import type { StepJobData } from './queue.ts';
import { enqueueSteps } from './run-store.ts';
import type { LogEntry } from './step-log.ts';
import { stepId } from './plan.ts';

export type StepOutcome =
  | { status: 'succeeded'; checks: CheckResult[]; dataVersion: string }
  | { status: 'up_to_date'; reason: string }
  | { status: 'retrying'; error: StepErrorInfo }
  | { status: 'failed'; error: StepErrorInfo; checks?: CheckResult[] };

/**
 * Records a step's outcome and moves its run on, in one transaction that holds
 * the run's row lock — so two steps finishing at once cannot both miss that
 * their common downstream step is now ready:
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
    await c.query('SELECT 1 FROM job_runs WHERE id = $1 FOR UPDATE', [runId]);
    await writeLogs(c, step, attempt, logs);
    const { rows } = await c.query<{ status: string; attempts: number }>(
      'SELECT status, attempts FROM job_steps WHERE run_id = $1 AND asset_key = $2 AND partition_key = $3',
      key,
    );
    const current = rows[0];
    const attemptOutcome =
      current?.status === 'running' && current.attempts === attempt ? outcome.status : 'superseded';
    await c.query(
      `UPDATE job_step_attempts SET outcome = $5, error = $6::jsonb, finished_at = now()
       WHERE run_id = $1 AND asset_key = $2 AND partition_key = $3 AND attempt = $4`,
      [...key, attempt, attemptOutcome, error === null ? null : JSON.stringify(error)],
    );
    if (attemptOutcome === 'superseded') return;
    const now = Date.now();
    if (outcome.status === 'retrying') {
      await c.query(
        `UPDATE job_steps SET status = 'queued', error = $4::jsonb WHERE run_id = $1 AND asset_key = $2 AND partition_key = $3`,
        [...key, JSON.stringify(error)],
      );
      return;
    }
    await c.query(
      `UPDATE job_steps SET status = $4, error = $5::jsonb, reason = $6, finished_at = now(), progress = NULL
       WHERE run_id = $1 AND asset_key = $2 AND partition_key = $3`,
      [
        ...key,
        outcome.status,
        error === null ? null : JSON.stringify(error),
        outcome.status === 'up_to_date' ? outcome.reason : null,
      ],
    );
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
      const ready = await c.query<{ asset_key: string; partition_key: string }>(
        `UPDATE job_steps s SET status = 'queued'
         WHERE s.run_id = $1 AND s.status = 'pending' AND $2 = ANY(s.deps)
           AND NOT EXISTS (SELECT 1 FROM job_steps u WHERE u.run_id = s.run_id
                           AND (u.asset_key || '@' || u.partition_key) = ANY(s.deps)
                           AND u.status NOT IN ('succeeded', 'up_to_date'))
         RETURNING s.asset_key, s.partition_key`,
        [runId, stepId(asset, partition)],
      );
      queued = ready.rows.length;
      await enqueueSteps(
        c,
        d.boss,
        d.graph,
        d.policy,
        ready.rows.map((r) => ({ runId, asset: r.asset_key, partition: r.partition_key })),
      );
      if (outcome.status === 'succeeded') {
        const rules =
          failedChecks.length > 0
            ? (['asset_failed', 'freshness_missed'] as const)
            : (['asset_failed', 'check_failed', 'freshness_missed'] as const);
        await resolveJobsAlerts(c, asset, rules, now, `asset ${asset} materialized in run ${runId}`, d.alertChannels);
      }
    }
    await finishRunIfDone(c, runId);
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

/** Closes the run when none of its steps is left to run. */
export async function finishRunIfDone(c: PoolClient, runId: string): Promise<void> {
  const { rows } = await c.query<{ open: number; bad: number; canceled: number }>(
    `SELECT count(*) FILTER (WHERE status IN ('pending', 'queued', 'running'))::int AS open,
            count(*) FILTER (WHERE status IN ('failed', 'blocked'))::int AS bad,
            count(*) FILTER (WHERE status = 'canceled')::int AS canceled
     FROM job_steps WHERE run_id = $1`,
    [runId],
  );
  const r = rows[0];
  if (!r || r.open > 0) return;
  const status = r.bad > 0 ? 'failed' : r.canceled > 0 ? 'canceled' : 'succeeded';
  await c.query(
    `UPDATE job_runs SET status = $2, finished_at = now(), started_at = coalesce(started_at, now())
     WHERE id = $1 AND status IN ('queued', 'running')`,
    [runId, status],
  );
}
