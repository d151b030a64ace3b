import type { Queryable } from '@ysh/common/db';
import { getRun, getSteps } from '../engine/run-store.ts';
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
