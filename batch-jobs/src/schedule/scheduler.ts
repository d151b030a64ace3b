import type PgBoss from 'pg-boss';
import type { Logger } from '@ysh/common';
import { inTransaction, type Pool } from '@ysh/common/db';
import type { AssetGraph } from '../graph/asset-graph.ts';
import { planRun } from '../engine/plan.ts';
import { createRun, type StepJobPolicy } from '../engine/run-store.ts';
import { DEFAULT_TZ, previousTick } from './cron.ts';

export interface SchedulerDeps {
  pool: Pool;
  boss: PgBoss;
  graph: AssetGraph;
  policy: StepJobPolicy;
  logger: Logger;
  /** A missed tick older than this is not caught up on start. */
  catchupMs: number;
  now?: () => number;
  /** Called after the run's transaction committed. */
  onRun?: (runId: string) => void;
}

/**
 * Cron schedules, evaluated by every worker. A tick becomes a run only through
 * an INSERT into job_schedule_ticks keyed by (schedule, tick): the worker whose
 * insert succeeds creates the run in the same transaction, every other worker
 * finds the row — so one tick is one run however many workers there are.
 *
 * Missed ticks (every worker down): on start, the most recent missed tick is
 * run once if it is younger than `catchupMs`; older missed ticks are skipped.
 * A schedule seen for the first time starts from now (its latest tick is
 * recorded as skipped, nothing runs).
 *
 * A scheduled run materializes the asset and everything upstream of it;
 * upstream assets whose inputs did not change are skipped as up to date.
 */
export class Scheduler {
  private readonly last = new Map<string, number>();
  constructor(private readonly d: SchedulerDeps) {}

  private now(): number {
    return this.d.now?.() ?? Date.now();
  }

  /** One evaluation of every schedule; returns the runs this worker created. */
  async tick(): Promise<string[]> {
    const created: string[] = [];
    for (const asset of this.d.graph.assets()) {
      if (!asset.schedule) continue;
      const tz = asset.schedule.tz ?? DEFAULT_TZ;
      const t = previousTick(asset.schedule.cron, tz, this.now());
      const seen = this.last.get(asset.key);
      if (seen !== undefined && t <= seen) continue;
      const id = await this.claim(asset.key, t, seen === undefined);
      this.last.set(asset.key, t);
      if (id) {
        created.push(id);
        this.d.onRun?.(id);
      }
    }
    return created;
  }

  private async claim(schedule: string, tick: number, firstLook: boolean): Promise<string | undefined> {
    const tickIso = new Date(tick).toISOString();
    return inTransaction(this.d.pool, async (c) => {
      if (firstLook) {
        const { rows } = await c.query<{ latest: Date | null }>(
          'SELECT max(tick_at) AS latest FROM job_schedule_ticks WHERE schedule = $1',
          [schedule],
        );
        const latest = rows[0]?.latest ?? null;
        const tooOld = this.now() - tick > this.d.catchupMs;
        if (latest === null || (latest.getTime() < tick && tooOld)) {
          await c.query(
            `INSERT INTO job_schedule_ticks (schedule, tick_at, status) VALUES ($1, $2, 'skipped') ON CONFLICT DO NOTHING`,
            [schedule, tickIso],
          );
          if (latest !== null)
            this.d.logger.warn({ schedule, tick: tickIso }, 'missed schedule tick too old to catch up: skipped');
          return undefined;
        }
        if (latest.getTime() < tick)
          this.d.logger.info({ schedule, tick: tickIso, latest }, 'catching up the most recent missed tick');
      }
      const { rowCount } = await c.query(
        `INSERT INTO job_schedule_ticks (schedule, tick_at, status) VALUES ($1, $2, 'started') ON CONFLICT DO NOTHING`,
        [schedule, tickIso],
      );
      if (rowCount === 0) return undefined;
      const plan = planRun(this.d.graph, { assets: [schedule], upstream: true });
      const id = await createRun(c, this.d.boss, this.d.graph, this.d.policy, {
        trigger: 'schedule',
        requestedBy: 'scheduler',
        plan,
        origin: { schedule, tick: tickIso },
      });
      await c.query('UPDATE job_schedule_ticks SET run_id = $3 WHERE schedule = $1 AND tick_at = $2', [
        schedule,
        tickIso,
        id,
      ]);
      this.d.logger.info({ schedule, tick: tickIso, run: id }, 'schedule tick: run created');
      return id;
    });
  }
}
