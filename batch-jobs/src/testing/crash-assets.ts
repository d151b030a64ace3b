import { setTimeout as sleep } from 'node:timers/promises';
import { defineAsset } from '../graph/asset.ts';

/** Rows crash_slow writes, one by one, slowly enough to kill its worker in the middle. */
export const CRASH_ROWS = 30;
export const CRASH_TABLES = 'CREATE TABLE IF NOT EXISTS t_crash (k int, attempt int, worker_pid int)';

/**
 * Loaded into `ysh jobs worker` processes through YSH_JOBS_MODULES by the kill -9 test.
 * The table has no unique key on purpose: the asset itself must be idempotent
 * (insert a row only if its key is absent), so a re-executed step never doubles rows.
 */
export const assets = [
  defineAsset({
    key: 'crash_slow',
    layer: 'raw',
    deps: [],
    codeVersion: '1',
    timeoutMs: 6000,
    retry: { maxRetries: 0, baseDelaySeconds: 1 },
    async materialize(ctx) {
      for (let k = 1; k <= CRASH_ROWS; k++) {
        ctx.signal.throwIfAborted();
        await ctx.db.query(
          'INSERT INTO t_crash (k, attempt, worker_pid) SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM t_crash WHERE k = $1)',
          [k, ctx.attempt, process.pid],
        );
        ctx.progress(k, CRASH_ROWS);
        await sleep(100);
      }
      return { rowCount: CRASH_ROWS };
    },
  }),
  defineAsset({
    key: 'crash_after',
    layer: 'gold',
    deps: ['crash_slow'],
    codeVersion: '1',
    async materialize(ctx) {
      const { rows } = await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM t_crash');
      return { rowCount: rows[0]?.n ?? 0 };
    },
  }),
];
