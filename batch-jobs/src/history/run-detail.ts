import type { Queryable } from '@ysh/common/db';
import { getRun, getSteps } from '../engine/run-store.ts';
import type { RunDetailJson } from '@ysh/common/domain';
import type { RunDetail } from '../cli/format.ts';

/** A run with its steps, every attempt (lost ones included), check results and step logs. */
export async function getRunDetail(db: Queryable, runId: string, o: { logLimit?: number } = {}): Promise<RunDetail> {
  const run = await getRun(db, runId);
  const steps = await getSteps(db, runId);
  const { rows: attempts } = await db.query<RunDetail['attempts'][number]>(
    `SELECT asset_key, partition_key, attempt, worker, outcome, error, started_at, finished_at FROM job_step_attempts
     WHERE run_id = $1 ORDER BY started_at, attempt`,
    [runId],
  );
  const { rows: checks } = await db.query<RunDetail['checks'][number]>(
    `SELECT asset_key, partition_key, check_name, severity, blocking, passed, details FROM asset_check_results
     WHERE run_id = $1 ORDER BY asset_key, partition_key, check_name`,
    [runId],
  );
  const { rows: logs } = await db.query<RunDetail['logs'][number]>(
    `SELECT asset_key, partition_key, attempt, level, message, data, at FROM job_step_logs WHERE run_id = $1 ORDER BY id LIMIT $2`,
    [runId, o.logLimit ?? 500],
  );
  return { run, steps, attempts, checks, logs };
}

/** The run detail as the admin API serves it (camelCase, the columns operators read). */
export function runDetailJson(d: RunDetail): RunDetailJson {
  const r = d.run;
  return {
    run: {
      id: r.id,
      trigger: r.trigger,
      status: r.status,
      requestedBy: r.requested_by,
      error: r.error,
      createdAt: r.created_at,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
    },
    steps: d.steps.map((s) => ({
      assetKey: s.asset_key,
      partitionKey: s.partition_key,
      seq: s.seq,
      status: s.status,
      deps: s.deps,
      attempts: s.attempts,
      error: s.error,
      reason: s.reason,
      startedAt: s.started_at,
      finishedAt: s.finished_at,
    })),
    attempts: d.attempts.map((a) => ({
      assetKey: a.asset_key,
      partitionKey: a.partition_key,
      attempt: a.attempt,
      worker: a.worker,
      outcome: a.outcome,
      error: a.error,
      startedAt: a.started_at,
      finishedAt: a.finished_at,
    })),
    checks: d.checks.map((c) => ({
      assetKey: c.asset_key,
      partitionKey: c.partition_key,
      checkName: c.check_name,
      severity: c.severity,
      blocking: c.blocking,
      passed: c.passed,
      details: c.details,
    })),
    logs: d.logs.map((l) => ({
      assetKey: l.asset_key,
      partitionKey: l.partition_key,
      attempt: l.attempt,
      level: l.level,
      message: l.message,
      data: l.data,
      at: l.at,
    })),
  };
}
