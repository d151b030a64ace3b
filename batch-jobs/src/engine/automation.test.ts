import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_KINDS, type TestDatabase } from '@ysh/test-helpers';
import { JOBS_ALERT_SITE } from '../alerts/job-alerts.ts';
import { transient } from '../errors.ts';
import { defineAsset, type AnyAsset } from '../graph/asset.ts';
import { nextTick } from '../schedule/cron.ts';
import { evaluateFreshness } from '../schedule/freshness.ts';
import { Scheduler } from '../schedule/scheduler.ts';
import { defineSensor, evaluateFileSensor, type FileSensorDef } from '../sensors/file-sensor.ts';
import { assetStatuses } from '../status/asset-status.ts';
import { quietLogger, TestEngine } from '../testing/harness.ts';
import { planRun } from './plan.ts';
import { partitionsToBackfill, retryPlan } from './retry-backfill.ts';
import { createRun } from './run-store.ts';

const flag = async (db: TestDatabase, name: string): Promise<boolean> =>
  (await db.pool.query('SELECT 1 FROM t_flags WHERE name = $1', [name])).rowCount === 1;

function assets(db: () => TestDatabase, inbox: () => string): AnyAsset[] {
  const trivial = (key: string, deps: string[] = [], extra: Partial<AnyAsset> = {}) =>
    defineAsset({ key, layer: 'raw', deps, codeVersion: '1', materialize: async () => ({ rowCount: 0 }), ...extra });
  return [
    trivial('ticker', [], { schedule: { cron: '*/2 * * * * *', tz: 'UTC' } }),
    trivial('hourly', [], { schedule: { cron: '0 * * * *', tz: 'America/Sao_Paulo' } }),
    trivial('due_by_eight', [], { freshness: { deadline: '0 8 * * 1-5' } }),
    defineAsset({
      key: 'flaky',
      layer: 'raw',
      deps: [],
      codeVersion: '1',
      retry: { maxRetries: 3, baseDelaySeconds: 1 },
      async materialize(ctx) {
        const { rows } = await ctx.db.query<{ n: number }>(
          `INSERT INTO t_flags (name, n) VALUES ('flaky', 1) ON CONFLICT (name) DO UPDATE SET n = t_flags.n + 1 RETURNING n`,
        );
        if ((rows[0]?.n ?? 0) <= 2) throw transient(`supplier API answered 503 (call ${rows[0]?.n})`);
        return { rowCount: 1 };
      },
    }),
    trivial('root'),
    trivial('sibling', ['root']),
    defineAsset({
      key: 'broken',
      layer: 'normalized',
      deps: ['root'],
      codeVersion: '1',
      retry: { maxRetries: 3, baseDelaySeconds: 1 },
      async materialize() {
        if (!(await flag(db(), 'fixed'))) throw new Error('column "tarifa" does not exist');
        return { rowCount: 2 };
      },
    }),
    trivial('after_broken', ['broken']),
    defineAsset({
      key: 'daily',
      layer: 'raw',
      deps: [],
      codeVersion: '1',
      partitions: { kind: 'daily', start: '2026-11-01' },
      async materialize(ctx) {
        if (ctx.partition === '2026-11-03' && !(await flag(db(), 'daily_fixed')))
          throw new Error('file for 2026-11-03 is truncated');
        await ctx.db.query('INSERT INTO t_daily (day) VALUES ($1) ON CONFLICT DO NOTHING', [ctx.partition]);
        return { rowCount: 1 };
      },
    }),
    defineAsset({
      key: 'until_stopped',
      layer: 'raw',
      deps: [],
      codeVersion: '1',
      retry: { maxRetries: 0, baseDelaySeconds: 1 },
      async materialize(ctx) {
        if (await flag(db(), 'until_stopped_done')) return { rowCount: 1 };
        // Runs until its worker is asked to stop.
        await new Promise((_, reject) =>
          ctx.signal.addEventListener('abort', () => reject(new Error('interrupted')), { once: true }),
        );
        return { rowCount: 0 };
      },
    }),
    defineAsset({
      key: 'inbox_files',
      layer: 'raw',
      deps: [],
      codeVersion: '1',
      async materialize() {
        return { rowCount: inbox().length };
      },
    }),
  ];
}

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.enabled)(`schedules, sensors, freshness, retries and backfills on ${kind.kind}`, () => {
    let db: TestDatabase;
    let engine: TestEngine;
    let inbox: string;
    let sensor: FileSensorDef;
    beforeAll(async () => {
      db = await kind.open();
      inbox = await mkdtemp(join(tmpdir(), 'ysh-inbox-'));
      sensor = defineSensor({ name: 'test_inbox', kind: 'files', dir: inbox, assets: ['inbox_files'] });
      await db.pool.query(
        'CREATE TABLE t_flags (name text PRIMARY KEY, n int); CREATE TABLE t_daily (day text PRIMARY KEY)',
      );
      engine = new TestEngine(
        db.url,
        assets(
          () => db,
          () => inbox,
        ),
        [sensor],
      );
      await engine.startWorker({ alertChannels: ['console', 'slack'] });
    }, 60_000);
    afterAll(async () => {
      await engine?.close();
      await db?.close();
      if (inbox) await rm(inbox, { recursive: true, force: true });
    });

    const attempts = async (runId: string, asset: string) =>
      (
        await db.pool.query<{ attempt: number; outcome: string; code: string | null }>(
          `SELECT attempt, outcome, error->>'code' AS code FROM job_step_attempts WHERE run_id = $1 AND asset_key = $2 ORDER BY attempt`,
          [runId, asset],
        )
      ).rows;

    it('a freshness deadline passing without success opens exactly one alert; the next success resolves it', async () => {
      // The runs below finish on the real clock, so the simulated deadlines lie ahead of it: D1 is the
      // first business-day 08:00 in São Paulo more than an hour away, D2 the one after. An hour after
      // D1 nothing has ever succeeded; the success then comes (really) before D1, after the one before it.
      const DEADLINE = '0 8 * * 1-5';
      const d1 = nextTick(DEADLINE, 'America/Sao_Paulo', Date.now() + 3_600_000);
      const d2 = nextTick(DEADLINE, 'America/Sao_Paulo', d1);
      const iso1 = new Date(d1).toISOString();
      const iso2 = new Date(d2).toISOString();
      const now = () => d1 + 3_600_000;
      const deps = {
        pool: db.pool,
        graph: engine.graph,
        logger: quietLogger(),
        alertChannels: ['console', 'slack'],
        now,
      };
      expect(await evaluateFreshness(deps)).toEqual(['due_by_eight']);
      expect(await evaluateFreshness(deps)).toEqual([]);
      const alerts = async () =>
        (
          await db.pool.query<{ id: string; rule: string; device: string; state: string }>(
            `SELECT id, rule, device, state FROM alerts WHERE site = $1 AND rule = 'freshness_missed' ORDER BY since`,
            [JOBS_ALERT_SITE],
          )
        ).rows;
      expect(await alerts()).toEqual([
        {
          id: `jobs:freshness_missed:due_by_eight:${iso1}`,
          rule: 'freshness_missed',
          device: 'due_by_eight',
          state: 'open',
        },
      ]);
      const s = (await assetStatuses(db.pool, engine.graph, now())).find((x) => x.key === 'due_by_eight');
      expect(s?.reasons).toContain(
        `missed its freshness deadline of ${iso1} (alert jobs:freshness_missed:due_by_eight:${iso1} open)`,
      );

      // The success goes to the real clock (before the simulated deadline, after the one before it).
      const { run } = await engine.runAndWait({ assets: ['due_by_eight'] });
      expect(run.status).toBe('succeeded');
      expect((await alerts()).map((a) => a.state)).toEqual(['resolved']);
      expect(await evaluateFreshness(deps)).toEqual([]);

      // The next business day's deadline passes too; a run that finds the asset up to date (inputs
      // unchanged) confirms it and resolves that miss as well.
      const nextDay = { ...deps, now: () => d2 + 3_600_000 };
      expect(await evaluateFreshness(nextDay)).toEqual(['due_by_eight']);
      const again = await engine.runAndWait({ assets: ['due_by_eight'] });
      expect(again.steps.map((x) => x.status)).toEqual(['up_to_date']);
      expect((await alerts()).map((a) => [a.id.slice(-24), a.state])).toEqual([
        [iso1, 'resolved'],
        [iso2, 'resolved'],
      ]);
      const outbox = await db.pool.query<{ event: string; channel: string }>(
        `SELECT event, channel FROM notification_outbox WHERE alert_id LIKE 'jobs:freshness_missed:%' ORDER BY id`,
      );
      expect(outbox.rows.map((r) => `${r.event} ${r.channel}`)).toEqual([
        'opened console',
        'opened slack',
        'resolved console',
        'resolved slack',
        'opened console',
        'opened slack',
        'resolved console',
        'resolved slack',
      ]);
    }, 60_000);

    it('a missed tick is run once on start (the most recent only); one older than the catch-up window is skipped', async () => {
      const w = engine.workers[0]!;
      const base = { pool: db.pool, boss: w.boss, graph: engine.graph, policy: w.policy, logger: quietLogger() };
      // Workers ran at 10:00 São Paulo (13:00Z) and went down; they start again at 13:30 (16:30Z).
      await db.pool.query(
        `INSERT INTO job_schedule_ticks (schedule, tick_at, status) VALUES ('hourly', '2026-11-20T13:00:00Z', 'started')`,
      );
      const later = new Scheduler({
        ...base,
        catchupMs: 24 * 3_600_000,
        now: () => Date.parse('2026-11-20T16:30:00Z'),
      });
      const created = await later.tick();
      const ticks = await db.pool.query<{ tick_at: Date; status: string; run_id: string | null }>(
        `SELECT tick_at, status, run_id FROM job_schedule_ticks WHERE schedule = 'hourly' ORDER BY tick_at`,
      );
      expect(ticks.rows.map((t) => [t.tick_at.toISOString(), t.status])).toEqual([
        ['2026-11-20T13:00:00.000Z', 'started'],
        ['2026-11-20T16:00:00.000Z', 'started'],
      ]);
      const hourlyRuns = await db.pool.query<{ id: string; trigger: string; origin: Record<string, string> }>(
        `SELECT id, trigger, origin FROM job_runs WHERE origin->>'schedule' = 'hourly'`,
      );
      expect(hourlyRuns.rows).toEqual([
        {
          id: ticks.rows[1]?.run_id,
          trigger: 'schedule',
          origin: { schedule: 'hourly', tick: '2026-11-20T16:00:00.000Z' },
        },
      ]);
      expect(created.filter((id) => id === ticks.rows[1]?.run_id)).toHaveLength(1);
      // A second start at the same moment finds the tick taken.
      const again = new Scheduler({
        ...base,
        catchupMs: 24 * 3_600_000,
        now: () => Date.parse('2026-11-20T16:30:00Z'),
      });
      expect((await again.tick()).length).toBe(0);

      // Down for three days and back 59 min after the latest tick, with a 10 min catch-up window: skipped.
      const tooLate = new Scheduler({ ...base, catchupMs: 600_000, now: () => Date.parse('2026-11-23T18:59:00Z') });
      await tooLate.tick();
      const last = await db.pool.query<{ status: string; run_id: string | null }>(
        `SELECT status, run_id FROM job_schedule_ticks WHERE schedule = 'hourly' AND tick_at = '2026-11-23T18:00:00Z'`,
      );
      expect(last.rows).toEqual([{ status: 'skipped', run_id: null }]);
      expect(
        (await db.pool.query(`SELECT count(*)::int AS n FROM job_runs WHERE origin->>'schedule' = 'hourly'`)).rows[0].n,
      ).toBe(1);
    }, 60_000);

    it('retriable errors are retried with backoff up to the limit; others fail at once and block downstream', async () => {
      const flaky = await engine.runAndWait({ assets: ['flaky'] });
      expect(flaky.run.status).toBe('succeeded');
      expect(await attempts(flaky.run.id, 'flaky')).toEqual([
        { attempt: 1, outcome: 'retrying', code: 'JOBS_TRANSIENT' },
        { attempt: 2, outcome: 'retrying', code: 'JOBS_TRANSIENT' },
        { attempt: 3, outcome: 'succeeded', code: null },
      ]);

      const broken = await engine.runAndWait({ assets: ['root'], downstream: true });
      expect(broken.run.status).toBe('failed');
      const st = Object.fromEntries(broken.steps.map((s) => [s.asset_key, s.status]));
      expect(st).toEqual({ root: 'succeeded', sibling: 'succeeded', broken: 'failed', after_broken: 'blocked' });
      expect(await attempts(broken.run.id, 'broken')).toEqual([
        { attempt: 1, outcome: 'failed', code: 'JOBS_MATERIALIZE_FAILED' },
      ]);
      const alert = await db.pool.query<{ rule: string; state: string; message: string }>(
        `SELECT rule, state, message FROM alerts WHERE site = $1 AND device = 'broken'`,
        [JOBS_ALERT_SITE],
      );
      expect(alert.rows).toEqual([
        {
          rule: 'asset_failed',
          state: 'open',
          message: expect.stringContaining('column "tarifa" does not exist (1 downstream step(s) blocked)'),
        },
      ]);

      // ysh jobs retry: only the failed step and what depends on it.
      await db.pool.query(`INSERT INTO t_flags (name) VALUES ('fixed')`);
      const plan = await retryPlan(db.pool, engine.graph, broken.run.id);
      expect(plan.steps.map((s) => [s.asset, s.deps])).toEqual([
        ['broken', []],
        ['after_broken', ['broken@']],
      ]);
      const w = engine.workers[0]!;
      const retryId = await createRun(db.pool, w.boss, engine.graph, w.policy, {
        trigger: 'retry',
        requestedBy: 'test',
        plan,
        parentRunId: broken.run.id,
      });
      const retried = await engine.wait(retryId);
      expect(retried.run).toMatchObject({ status: 'succeeded', trigger: 'retry', parent_run_id: broken.run.id });
      expect(retried.steps.map((s) => [s.asset_key, s.status])).toEqual([
        ['broken', 'succeeded'],
        ['after_broken', 'succeeded'],
      ]);
      expect((await db.pool.query(`SELECT state FROM alerts WHERE device = 'broken'`)).rows).toEqual([
        { state: 'resolved' },
      ]);
      await expect(retryPlan(db.pool, engine.graph, retryId)).rejects.toMatchObject({ code: 'JOBS_RUN_NOT_RETRIABLE' });
    }, 90_000);

    it('a backfill re-runs only the missing or failed partitions', async () => {
      const first = await partitionsToBackfill(db.pool, engine.graph, 'daily', '2026-11-01', '2026-11-05');
      expect(first.todo).toEqual(['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05']);
      const run1 = await engine.runAndWait({ assets: ['daily'], partitions: first.todo }, 'backfill');
      expect(run1.run.status).toBe('failed');
      expect(run1.steps.filter((s) => s.status === 'failed').map((s) => s.partition_key)).toEqual(['2026-11-03']);
      await db.pool.query(`INSERT INTO t_flags (name) VALUES ('daily_fixed')`);
      const second = await partitionsToBackfill(db.pool, engine.graph, 'daily', '2026-11-01', '2026-11-06');
      expect(second.todo).toEqual(['2026-11-03', '2026-11-06']);
      const run2 = await engine.runAndWait({ assets: ['daily'], partitions: second.todo }, 'backfill');
      expect(run2.run.status).toBe('succeeded');
      expect(run2.steps.map((s) => s.partition_key)).toEqual(['2026-11-03', '2026-11-06']);
      expect((await partitionsToBackfill(db.pool, engine.graph, 'daily', '2026-11-01', '2026-11-06')).todo).toEqual([]);
      expect((await db.pool.query('SELECT count(*)::int AS n FROM t_daily')).rows[0].n).toBe(6);
      expect(() => planRun(engine.graph, { assets: ['daily'], partition: '2026-13-01' })).toThrow(/partition/);
    }, 90_000);

    it('a file sensor triggers one run per new or changed file, however many evaluate it, keeps its cursor, and waits while a run of its asset is under way', async () => {
      const w = engine.workers[0]!;
      const deps = { pool: db.pool, boss: w.boss, graph: engine.graph, policy: w.policy, logger: quietLogger() };
      expect(await evaluateFileSensor(deps, sensor)).toBeUndefined();
      await writeFile(join(inbox, 'tarifas-2026-11.csv'), 'a,b\n1,2\n');
      const both = await Promise.all([evaluateFileSensor(deps, sensor), evaluateFileSensor(deps, sensor)]);
      expect(both.filter(Boolean)).toHaveLength(1);
      expect(await evaluateFileSensor(deps, sensor)).toBeUndefined();
      await engine.wait(both.find(Boolean) as string);

      // A run that has yet to materialize the sensor's asset holds a changed file back (cursor kept) until it ends.
      await db.pool.query(
        `INSERT INTO job_runs (id, trigger, status, requested_by, config, config_hash, remaining)
         VALUES ('r-manual-busy', 'manual', 'running', 'test', '{}', 'h', 1);
         INSERT INTO job_steps (run_id, asset_key, status) VALUES ('r-manual-busy', 'inbox_files', 'queued')`,
      );
      await writeFile(join(inbox, 'tarifas-2026-11.csv'), 'a,b\n1,3\n');
      expect(await evaluateFileSensor(deps, sensor)).toBeUndefined();
      const held = await db.pool.query('SELECT cursor FROM job_sensor_cursors WHERE sensor = $1', ['test_inbox']);
      expect(held.rows[0].cursor['tarifas-2026-11.csv']).toBe(createHash('sha256').update('a,b\n1,2\n').digest('hex'));
      await db.pool.query(`DELETE FROM job_runs WHERE id = 'r-manual-busy'`);
      const changed = await evaluateFileSensor(deps, sensor);
      expect(changed).toBeDefined();
      const runs = await db.pool.query<{ trigger: string; origin: unknown; requested_by: string }>(
        `SELECT trigger, origin, requested_by FROM job_runs WHERE trigger = 'sensor' ORDER BY created_at`,
      );
      expect(runs.rows).toEqual([
        {
          trigger: 'sensor',
          requested_by: 'sensor:test_inbox',
          origin: { sensor: 'test_inbox', files: ['tarifas-2026-11.csv'] },
        },
        {
          trigger: 'sensor',
          requested_by: 'sensor:test_inbox',
          origin: { sensor: 'test_inbox', files: ['tarifas-2026-11.csv'] },
        },
      ]);
      const cursor = await db.pool.query('SELECT cursor FROM job_sensor_cursors WHERE sensor = $1', ['test_inbox']);
      expect(Object.keys(cursor.rows[0].cursor)).toEqual(['tarifas-2026-11.csv']);
      expect((await engine.wait(changed as string)).run.status).toBe('succeeded');
    }, 60_000);

    it('a stopping worker cancels its running step back to the queue (a lost attempt, no retry used, no error); the next worker finishes it', async () => {
      const runId = await engine.run({ assets: ['until_stopped'] });
      const running = async () =>
        (
          await db.pool.query<{ worker: string }>(
            `SELECT a.worker FROM job_step_attempts a JOIN job_steps s USING (run_id, asset_key, partition_key)
             WHERE a.run_id = $1 AND s.status = 'running' AND a.outcome IS NULL`,
            [runId],
          )
        ).rows[0]?.worker;
      const deadline = Date.now() + 30_000;
      while (!(await running()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(await running()).toBeDefined();
      // Every worker stops (whichever holds the step), then a new one starts.
      for (const w of engine.workers.splice(0)) await w.stop();
      expect((await attempts(runId, 'until_stopped')).map((a) => [a.outcome, a.code])).toEqual([
        ['lost', 'JOBS_CANCELED'],
      ]);
      const step = await db.pool.query<{ status: string }>(
        `SELECT status FROM job_steps WHERE run_id = $1 AND asset_key = 'until_stopped'`,
        [runId],
      );
      expect(step.rows[0]?.status).toBe('queued');
      await db.pool.query(`INSERT INTO t_flags (name, n) VALUES ('until_stopped_done', 1)`);
      await engine.startWorker({ alertChannels: ['console', 'slack'] });
      const { run } = await engine.wait(runId, 60_000);
      // maxRetries is 0: a cancel counted as a failure would have failed the run.
      expect(run.status).toBe('succeeded');
      expect((await attempts(runId, 'until_stopped')).map((a) => a.outcome)).toEqual(['lost', 'succeeded']);
    }, 90_000);

    it('two workers and one cron tick: one run', async () => {
      const w1 = await engine.startWorker({ schedules: true });
      const w2 = await engine.startWorker({ schedules: true });
      const since = new Date();
      await new Promise((r) => setTimeout(r, 5000));
      await w1.stop();
      await w2.stop();
      const runs = await db.pool.query<{ tick: string; n: number }>(
        `SELECT origin->>'tick' AS tick, count(*)::int AS n FROM job_runs
         WHERE origin->>'schedule' = 'ticker' AND created_at >= $1 GROUP BY 1 ORDER BY 1`,
        [since],
      );
      const started = await db.pool.query<{ tick_at: Date }>(
        `SELECT tick_at FROM job_schedule_ticks WHERE schedule = 'ticker' AND status = 'started' AND created_at >= $1 ORDER BY tick_at`,
        [since],
      );
      expect(started.rows.length).toBeGreaterThanOrEqual(1);
      expect(runs.rows.map((r) => r.tick)).toEqual(started.rows.map((r) => r.tick_at.toISOString()));
      expect(runs.rows.every((r) => r.n === 1)).toBe(true);
    }, 60_000);
  });
}
