import type { Queryable } from '@ysh/common/db';

export interface PruneOptions {
  olderThanDays: number;
  /** Rows deleted per statement: long deletes never hold locks for long. */
  batchSize: number;
  /** Stop after this many batches per table in one pass (the next pass goes on). */
  maxBatches?: number;
}

export interface PruneResult {
  runs: number;
  materializations: number;
}

/**
 * Deletes history older than N days in bounded batches: finished runs (their
 * steps, attempts and logs go with them), then materializations — except the
 * current one of each asset and partition (asset_latest), which staleness is judged against.
 */
export async function pruneHistory(db: Queryable, o: PruneOptions): Promise<PruneResult> {
  const cutoff = `${o.olderThanDays} days`;
  const max = o.maxBatches ?? 100;
  let runs = 0;
  let materializations = 0;
  for (let i = 0; i < max; i++) {
    const r = await db.query(
      `DELETE FROM job_runs WHERE id IN (
         SELECT id FROM job_runs WHERE created_at < now() - $1::interval AND status NOT IN ('queued', 'running')
         ORDER BY created_at LIMIT $2)`,
      [cutoff, o.batchSize],
    );
    runs += r.rowCount ?? 0;
    if ((r.rowCount ?? 0) < o.batchSize) break;
  }
  for (let i = 0; i < max; i++) {
    const r = await db.query(
      `DELETE FROM asset_materializations WHERE id IN (
         SELECT m.id FROM asset_materializations m
         WHERE m.created_at < now() - $1::interval
           AND NOT EXISTS (SELECT 1 FROM asset_latest l WHERE l.materialization_id = m.id)
         ORDER BY m.created_at LIMIT $2)`,
      [cutoff, o.batchSize],
    );
    materializations += r.rowCount ?? 0;
    if ((r.rowCount ?? 0) < o.batchSize) break;
  }
  // Schedule ticks only matter for the latest one per schedule.
  await db.query(
    `DELETE FROM job_schedule_ticks t WHERE t.created_at < now() - $1::interval
       AND EXISTS (SELECT 1 FROM job_schedule_ticks n WHERE n.schedule = t.schedule AND n.tick_at > t.tick_at)`,
    [cutoff],
  );
  return { runs, materializations };
}
