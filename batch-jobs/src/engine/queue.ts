import PgBoss from 'pg-boss';
import type { Pool, PoolClient } from '@ysh/common/db';

/** pg-boss queue of step jobs, and the dead-letter queue where steps end when crashes exhaust their retries. */
export const STEP_QUEUE = 'ysh_jobs_step';
export const DEAD_QUEUE = 'ysh_jobs_dead';

export interface StepJobData {
  runId: string;
  asset: string;
  partition: string;
  /** How many times this step found another run materializing its asset and waited (see StepExecutor). */
  waits?: number;
}

export interface QueueOptions {
  /** pg-boss schema (default pgboss). */
  schema: string;
  pollingIntervalSeconds: number;
  /** How often expired (lost) jobs are retried and old ones archived. */
  maintenanceIntervalSeconds: number;
  /** Completed jobs are deleted from pg-boss after this long: the run history lives in our tables. */
  retentionDays: number;
  /** Run pg-boss maintenance (expire lost jobs, archive) here: workers yes, one-shot CLI commands no. */
  supervise?: boolean;
}

/** pg-boss's Db adapter on our pool, or on one client inside a transaction. */
export function bossDb(db: Pool | PoolClient): PgBoss.Db {
  return {
    // Without values pg uses the simple protocol, which pg-boss needs for its multi-statement commands.
    executeSql: (text: string, values: unknown[]) =>
      values && values.length > 0 ? db.query(text, values) : db.query(text),
  };
}

/**
 * A started pg-boss on the caller's pool (no connection of its own), with our
 * two queues created. pg-boss's own cron scheduler is off: schedules are ticks
 * recorded by the engine (see schedule/scheduler.ts).
 */
export async function startQueue(pool: Pool, o: QueueOptions, onError: (err: Error) => void): Promise<PgBoss> {
  const boss = new PgBoss({
    db: bossDb(pool),
    schema: o.schema,
    schedule: false,
    supervise: o.supervise ?? true,
    migrate: true,
    maintenanceIntervalSeconds: o.maintenanceIntervalSeconds,
    archiveCompletedAfterSeconds: 3600,
    deleteAfterDays: o.retentionDays,
  });
  boss.on('error', onError);
  await boss.start();
  for (const name of [DEAD_QUEUE, STEP_QUEUE]) {
    if (!(await boss.getQueue(name)))
      await boss.createQueue(name, { name, policy: 'standard' }).catch(async (err) => {
        // Two workers starting together: the second create fails on the unique name; fine if it now exists.
        if (!(await boss.getQueue(name))) throw err;
      });
  }
  return boss;
}
