import PgBoss from 'pg-boss';
import { createPool, type Pool } from '@ysh/common/db';
import { type AnyAsset, AssetGraph, bossDb, defineAsset, listRuns } from '@ysh/batch-jobs';
import { TestEngine } from '@ysh/batch-jobs/testing/harness.ts';
import { assetStatuses } from '@ysh/batch-jobs/status/asset-status.ts';
import { DATABASE_KINDS, type TestDatabase } from '@ysh/test-helpers';
import type { Benchmark, BenchRow } from './types.ts';

const ASSETS = 1000;
const WIDTH = 100;
/** Fetch loops per worker and their poll interval, the same for the engine and the raw queue. */
const LOOPS = 4;
const POLL_S = 0.5;
const TICKS = 20;

/** 1,000 trivial assets: 10 layers of 100, each depending on two assets of the layer before. */
function wideGraph(): AnyAsset[] {
  const out: AnyAsset[] = [];
  for (let i = 0; i < ASSETS; i++) {
    const layer = Math.floor(i / WIDTH);
    const deps = layer === 0 ? [] : [`n${i - WIDTH}`, `n${(layer - 1) * WIDTH + ((i + 1) % WIDTH)}`];
    out.push(
      defineAsset({ key: `n${i}`, layer: 'raw', deps, codeVersion: '1', materialize: async () => ({ rowCount: 0 }) }),
    );
  }
  return out;
}

const settings = { concurrency: LOOPS, batchSize: 1, pollIntervalMs: POLL_S * 1000, maintenanceIntervalMs: 30_000 };

async function engineRate(db: TestDatabase, workers: number): Promise<number> {
  const engine = new TestEngine(db.url, wideGraph());
  try {
    for (let i = 0; i < workers; i++) await engine.startWorker(settings);
    const t0 = performance.now();
    // force: every step materializes (no up-to-date skips), so each run does the full work.
    const { run, steps } = await engine.runAndWait(
      { assets: ['n0', ...Array.from({ length: WIDTH - 1 }, (_, i) => `n${i + 1}`)], downstream: true, force: true },
      'manual',
    );
    const seconds = (performance.now() - t0) / 1000;
    if (run.status !== 'succeeded' || steps.length !== ASSETS)
      throw new Error(`bench run ${run.id} ${run.status} with ${steps.length} steps`);
    return ASSETS / seconds;
  } finally {
    await engine.close();
  }
}

/**
 * pg-boss alone on the same database: 1,000 jobs sent at once, no-op handlers,
 * the same loops, batch size and polling as the engine's workers. Like the
 * engine, each instance wakes its loops after every job (notifyWorker), so
 * neither side waits out a poll interval while work is queued.
 */
async function rawRate(db: TestDatabase, workers: number, batchSize = 1, loops = LOOPS): Promise<number> {
  const pools: Pool[] = [];
  const bosses: PgBoss[] = [];
  const queue = `bench_raw_${workers}_${batchSize}`;
  let done = 0;
  let finish: () => void = () => {};
  const all = new Promise<void>((r) => {
    finish = r;
  });
  try {
    for (let w = 0; w < workers; w++) {
      const pool = createPool(db.url, { max: 4 });
      pools.push(pool);
      const boss = new PgBoss({ db: bossDb(pool), schedule: false, supervise: false, migrate: true });
      await boss.start();
      bosses.push(boss);
    }
    const first = bosses[0] as PgBoss;
    if (!(await first.getQueue(queue))) await first.createQueue(queue);
    await first.insert(Array.from({ length: ASSETS }, (_, i) => ({ name: queue, data: { i } })));
    const t0 = performance.now();
    for (const boss of bosses) {
      const ids: string[] = [];
      for (let l = 0; l < loops; l++)
        ids.push(
          await boss.work(queue, { batchSize, pollingIntervalSeconds: POLL_S }, async (jobs) => {
            done += jobs.length;
            if (done >= ASSETS) finish();
            setImmediate(() => {
              for (const id of ids) boss.notifyWorker(id);
            });
          }),
        );
    }
    await all;
    // Wait for the last completion to be written, as the engine's figure includes its own.
    while ((await first.getQueueSize(queue, { before: 'completed' })) > 0) await new Promise((r) => setTimeout(r, 20));
    return ASSETS / ((performance.now() - t0) / 1000);
  } finally {
    for (const b of bosses) await b.stop({ graceful: false, close: false, wait: false }).catch(() => {});
    for (const p of pools) await p.end();
  }
}

/** Every-second schedule on one asset: from the tick instant to its step's start, TICKS ticks. */
async function tickLatencies(db: TestDatabase): Promise<number[]> {
  const ticker = defineAsset({
    key: 'bench_tick',
    layer: 'raw',
    deps: [],
    codeVersion: '1',
    schedule: { cron: '* * * * * *', tz: 'UTC' },
    materialize: async () => ({ rowCount: 0 }),
  });
  const engine = new TestEngine(db.url, [ticker]);
  try {
    const since = new Date();
    await engine.startWorker({ ...settings, schedules: true, tickIntervalMs: 100 });
    await new Promise((r) => setTimeout(r, (TICKS + 2) * 1000));
    const { rows } = await db.pool.query<{ lag_ms: number }>(
      `SELECT extract(epoch FROM s.started_at - (r.origin->>'tick')::timestamptz) * 1000 AS lag_ms
       FROM job_runs r JOIN job_steps s ON s.run_id = r.id
       WHERE r.origin->>'schedule' = 'bench_tick' AND r.created_at >= $1 AND s.started_at IS NOT NULL`,
      [since],
    );
    return rows.map((r) => Number(r.lag_ms)).sort((a, b) => a - b);
  } finally {
    await engine.close();
  }
}

/** A year of 5-minute runs of one asset (105,120), then its history and status as `ysh jobs runs/status` load them. */
async function historyQueryMs(db: TestDatabase): Promise<{ runsMs: number; statusMs: number; rows: number }> {
  const n = 365 * 24 * 12;
  await db.pool.query(
    `INSERT INTO job_runs (id, trigger, status, requested_by, config, config_hash, created_at, started_at, finished_at)
     SELECT 'h' || i, 'schedule', 'succeeded', 'scheduler', '{"assets":{"hist":{}},"force":false}', 'x', t, t, t + interval '2 seconds'
     FROM generate_series(1, $1) i, LATERAL (SELECT now() - (i * interval '5 minutes') AS t) x`,
    [n],
  );
  await db.pool.query(
    `INSERT INTO job_steps (run_id, asset_key, status, created_at, started_at, finished_at)
     SELECT 'h' || i, 'hist', 'succeeded', t, t, t + interval '2 seconds'
     FROM generate_series(1, $1) i, LATERAL (SELECT now() - (i * interval '5 minutes') AS t) x`,
    [n],
  );
  await db.pool.query(
    `INSERT INTO asset_materializations (run_id, asset_key, data_version, input_version, code_version, config, config_hash,
       upstream, output_fingerprint, row_count, checks_passed, created_at)
     SELECT 'h' || i, 'hist', md5(i::text), md5(i::text), '1', '{}', 'x', '{}', md5(i::text), i, true, now() - (i * interval '5 minutes')
     FROM generate_series(1, $1) i`,
    [n],
  );
  await db.pool.query('ANALYZE job_runs; ANALYZE job_steps; ANALYZE asset_materializations');
  const graph = new AssetGraph([
    defineAsset({ key: 'hist', layer: 'raw', deps: [], codeVersion: '1', materialize: async () => undefined }),
  ]);
  const median = async (fn: () => Promise<unknown>) => {
    const times: number[] = [];
    for (let i = 0; i < 15; i++) {
      const t0 = performance.now();
      await fn();
      times.push(performance.now() - t0);
    }
    return times.sort((a, b) => a - b)[7] as number;
  };
  const runsMs = await median(async () => {
    const runs = await listRuns(db.pool, { asset: 'hist', limit: 50 });
    if (runs.length !== 50) throw new Error('history query returned too few runs');
  });
  const statusMs = await median(() => assetStatuses(db.pool, graph));
  return { runsMs, statusMs, rows: n };
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

export const jobsBenchmark: Benchmark = {
  group: 'jobs',
  description:
    'batch asset engine: steps/s of 1,000 trivial assets vs raw pg-boss jobs/s, schedule tick latency, history queries',
  async run() {
    const rows: BenchRow[] = [];
    for (const kind of DATABASE_KINDS) {
      if (!kind.enabled) {
        process.stderr.write(`  jobs: ${kind.kind} skipped (set YSH_TEST_DATABASE_URL)\n`);
        continue;
      }
      const db = await kind.open();
      try {
        for (const workers of [1, 2]) {
          const raw = await rawRate(db, workers);
          const engine = await engineRate(db, workers);
          process.stderr.write(
            `  jobs ${kind.kind} ${workers} worker(s): engine ${engine.toFixed(1)} steps/s, pg-boss ${raw.toFixed(1)} jobs/s\n`,
          );
          rows.push({
            group: 'jobs',
            name: `steps/s, 1,000 trivial assets (10 layers × 100), ${workers} worker(s) × ${LOOPS} loops, ${kind.kind}`,
            value: engine,
            unit: 'steps/s',
            peer: `pg-boss 10.4.2 raw jobs/s, ${workers} instance(s) × ${LOOPS} loops, same database`,
            peerValue: raw,
            ratio: engine / raw,
            target: '≥ 0.5 of raw',
            met: engine / raw >= 0.5,
            notes:
              'engine: claim + attempt row, upstream versions, up-to-date check, materialization row, finish under the run lock, queue the ready downstream; raw: fetch + complete',
          });
        }
        const batched = await rawRate(db, 1, 100, 1);
        rows.push({
          group: 'jobs',
          name: `pg-boss raw jobs/s with batch fetch (batchSize 100, 1 loop), ${kind.kind} — context, not a peer of per-step work`,
          value: batched,
          unit: 'jobs/s',
          notes: "one fetch and one complete per 100 jobs: the queue's ceiling on this database",
        });
        const lat = await tickLatencies(db);
        rows.push({
          group: 'jobs',
          name: `schedule tick → step start p99 (${lat.length} ticks, every second, ${kind.kind})`,
          value: pct(lat, 99),
          unit: 'ms',
          notes: `p50 ${pct(lat, 50).toFixed(0)} ms; scheduler evaluates every 100 ms, steps polled every ${POLL_S * 1000} ms (local worker woken at once)`,
        });
        const h = await historyQueryMs(db);
        rows.push({
          group: 'jobs',
          name: `history of one asset (last 50 runs) with a year of 5-min runs (${h.rows.toLocaleString('en-US')}), ${kind.kind}`,
          value: h.runsMs,
          unit: 'ms',
          notes: `median of 15; status of that asset ${h.statusMs.toFixed(1)} ms`,
        });
      } finally {
        await db.close();
      }
    }
    return rows;
  },
};
