import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_KINDS, type TestDatabase, waitFor } from '@ysh/test-helpers';
import { JOBS_ALERT_SITE } from '../alerts/job-alerts.ts';
import { pruneHistory } from '../history/retention.ts';
import { compareRuns } from '../compare/run-compare.ts';
import { defineAsset, type AnyAsset } from '../graph/asset.ts';
import { assetStatuses, type AssetStatus } from '../status/asset-status.ts';
import { TestEngine } from '../testing/harness.ts';
import { PIPELINE_TABLES, pipelineAssets } from '../testing/pipeline-assets.ts';

/** A diamond a -> (b, c) -> d; each materialization appends (run, asset) and records its order. */
function diamond(log: string[]): AnyAsset[] {
  const mk = (key: string, deps: string[]) =>
    defineAsset({
      key,
      layer: deps.length === 0 ? 'raw' : 'gold',
      deps,
      codeVersion: '1',
      async materialize(ctx) {
        log.push(key);
        await ctx.db.query('INSERT INTO t_diamond (run_id, asset) VALUES ($1, $2)', [ctx.runId, key]);
        return { rowCount: 1 };
      },
    });
  return [mk('a', []), mk('b', ['a']), mk('c', ['a']), mk('d', ['b', 'c'])];
}

/** An asset that holds its materialization until the test opens the gate, and counts how many run at once. */
function gated() {
  const g = { started: 0, active: 0, most: 0, open: () => {} };
  const opened = new Promise<void>((resolve) => {
    g.open = resolve;
  });
  const asset = defineAsset({
    key: 'gated',
    layer: 'raw',
    deps: [],
    codeVersion: '1',
    async materialize() {
      g.started++;
      g.active++;
      g.most = Math.max(g.most, g.active);
      try {
        await opened;
      } finally {
        g.active--;
      }
      return { rowCount: 1 };
    },
  });
  return { g, asset };
}

const byKey = (list: AssetStatus[]) => Object.fromEntries(list.map((s) => [s.key, s]));
const statuses = (steps: Array<{ asset_key: string; status: string }>) =>
  Object.fromEntries(steps.map((s) => [s.asset_key, s.status]));

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.enabled)(`engine on ${kind.kind}`, () => {
    let db: TestDatabase;
    let engine: TestEngine;
    const log: string[] = [];
    const gate = gated();
    const status = async () => byKey(await assetStatuses(db.pool, engine.graph));
    beforeAll(async () => {
      db = await kind.open();
      await db.pool.query(`CREATE TABLE t_diamond (run_id text, asset text); ${PIPELINE_TABLES}`);
      engine = new TestEngine(db.url, [...diamond(log), ...pipelineAssets(), gate.asset]);
      await engine.startWorker();
    }, 60_000);
    afterAll(async () => {
      await engine?.close();
      await db?.close();
    });

    it('materializes a diamond once per asset, in dependency order', async () => {
      const { run, steps } = await engine.runAndWait({ assets: ['a'], downstream: true });
      expect(run.status).toBe('succeeded');
      expect(statuses(steps)).toEqual({ a: 'succeeded', b: 'succeeded', c: 'succeeded', d: 'succeeded' });
      expect(log[0]).toBe('a');
      expect(log.at(-1)).toBe('d');
      expect([...log].sort()).toEqual(['a', 'b', 'c', 'd']);
      const { rows } = await db.pool.query(
        'SELECT asset, count(*)::int AS n FROM t_diamond GROUP BY asset ORDER BY asset',
      );
      expect(rows).toEqual(['a', 'b', 'c', 'd'].map((asset) => ({ asset, n: 1 })));
      // d started only after both b and c finished.
      const t = await db.pool.query<{ asset_key: string; started_at: Date; finished_at: Date }>(
        'SELECT asset_key, started_at, finished_at FROM job_steps WHERE run_id = $1',
        [run.id],
      );
      const at = Object.fromEntries(t.rows.map((r) => [r.asset_key, r]));
      expect(at.d?.started_at.getTime()).toBeGreaterThanOrEqual(
        Math.max(at.b!.finished_at.getTime(), at.c!.finished_at.getTime()),
      );
    }, 60_000);

    it("never materializes an asset in two runs at once: the second run's step waits, then finds it up to date", async () => {
      const first = await engine.run({ assets: ['gated'] });
      const steps = async (runId: string) =>
        (
          await db.pool.query<{ status: string; reason: string | null }>(
            `SELECT status, reason FROM job_steps WHERE run_id = $1 AND asset_key = 'gated'`,
            [runId],
          )
        ).rows[0];
      await waitFor('the first run materializing', async () => gate.g.started === 1);
      const second = await engine.run({ assets: ['gated'] });
      // Two fetchers in the worker: without the rule the second run would start materializing now.
      await waitFor('the second run waiting', async () => (await steps(second))?.reason?.includes(first));
      expect(await steps(second)).toEqual({
        status: 'queued',
        reason: `waiting for run ${first}, which is materializing this asset`,
      });
      expect(gate.g).toMatchObject({ started: 1, active: 1 });
      gate.g.open();
      const a = await engine.wait(first);
      const b = await engine.wait(second);
      expect(a.steps.map((s) => s.status)).toEqual(['succeeded']);
      expect(b.steps.map((s) => [s.status, s.reason])).toEqual([['up_to_date', `inputs unchanged since run ${first}`]]);
      expect(gate.g).toMatchObject({ started: 1, most: 1 });
    }, 60_000);

    it('skips assets whose inputs did not change', async () => {
      log.length = 0;
      const { run, steps } = await engine.runAndWait({ assets: ['a'], downstream: true });
      expect(run.status).toBe('succeeded');
      expect(statuses(steps)).toEqual({ a: 'up_to_date', b: 'up_to_date', c: 'up_to_date', d: 'up_to_date' });
      expect(log).toEqual([]);
    }, 60_000);

    it('re-materializes after a changed upstream row, and status names the cause first', async () => {
      const first = await engine.runAndWait({ assets: ['src'], downstream: true });
      expect(statuses(first.steps)).toEqual({ src: 'succeeded', norm: 'succeeded', gold: 'succeeded' });
      expect(Object.values(await status()).map((s) => s.state)).toEqual(Array(8).fill('fresh'));
      expect(statuses((await engine.runAndWait({ assets: ['src'], downstream: true })).steps)).toEqual({
        src: 'up_to_date',
        norm: 'up_to_date',
        gold: 'up_to_date',
      });

      await db.pool.query('UPDATE t_src SET v = 35 WHERE id = 3');
      const s = await status();
      expect(s.src?.state).toBe('stale');
      expect(s.src?.reasons).toEqual([expect.stringMatching(/^source changed: [0-9a-f]{8} -> [0-9a-f]{8}$/)]);
      expect(s.norm?.state).toBe('stale');
      expect(s.norm?.reasons).toEqual(['upstream src is stale']);
      expect(s.gold?.reasons).toEqual(['upstream norm is stale']);
      expect(s.a?.state).toBe('fresh');

      const again = await engine.runAndWait({ assets: ['src'], downstream: true });
      expect(statuses(again.steps)).toEqual({ src: 'succeeded', norm: 'succeeded', gold: 'succeeded' });
      const gold = await db.pool.query('SELECT total FROM t_gold');
      expect(gold.rows[0].total).toBe(10 + 20 + 35 + 40 + 50);
      expect((await status()).gold?.state).toBe('fresh');
    }, 90_000);

    it('a run with other config re-materializes; compare shows exactly the changed keys and row-count deltas', async () => {
      const base = await engine.runAndWait({ assets: ['norm'], downstream: true });
      expect(statuses(base.steps)).toEqual({ norm: 'up_to_date', gold: 'up_to_date' });
      const changed = await engine.runAndWait({ assets: ['norm'], downstream: true, config: { norm: { min_id: 3 } } });
      expect(statuses(changed.steps)).toEqual({ norm: 'succeeded', gold: 'succeeded' });
      const s = await status();
      expect(s.norm?.reasons).toEqual(['config changed: min_id 3 -> 0']);

      const c = await compareRuns(db.pool, base.run.id, changed.run.id);
      expect(c.config).toEqual([{ key: 'norm.min_id', before: 0, after: 3 }]);
      const norm = c.assets.find((x) => x.asset === 'norm');
      const gold = c.assets.find((x) => x.asset === 'gold');
      expect(norm).toMatchObject({
        a: { rowCount: 5, status: 'up_to_date' },
        b: { rowCount: 3, status: 'succeeded' },
        rowCountDelta: -2,
      });
      expect(norm?.changed).toEqual(['status', 'dataVersion', 'rowCount']);
      expect(gold?.rowCountDelta).toBe(0);
      expect(gold?.changed).toEqual(['status', 'dataVersion', 'metadata.n', 'metadata.total']);
      expect(gold?.b?.metadata).toEqual({ total: 35 + 40 + 50, n: 3 });
      expect(c.checks).toEqual([]);

      // Back to the defaults: a compare of a run against itself shows nothing changed.
      await engine.runAndWait({ assets: ['norm'], downstream: true });
      const same = await compareRuns(db.pool, changed.run.id, changed.run.id);
      expect(same.config).toEqual([]);
      expect(same.assets.every((a) => a.changed.length === 0)).toBe(true);
    }, 90_000);

    it('a failing blocking check stops downstream and shows in status; a warning does not', async () => {
      await db.pool.query('UPDATE t_src SET v = NULL WHERE id = 1');
      const warned = await engine.runAndWait({ assets: ['src'], downstream: true });
      expect(warned.run.status).toBe('succeeded');
      expect(statuses(warned.steps)).toEqual({ src: 'succeeded', norm: 'succeeded', gold: 'succeeded' });
      let s = await status();
      expect(s.norm?.state).toBe('fresh');
      expect(s.norm?.warnings).toEqual(['check not_null:t_norm.v failed (warning): {"nullRows":1}']);

      await db.pool.query('UPDATE t_src SET v = -5 WHERE id = 2');
      const failed = await engine.runAndWait({ assets: ['src'], downstream: true });
      expect(failed.run.status).toBe('failed');
      expect(statuses(failed.steps)).toEqual({ src: 'succeeded', norm: 'failed', gold: 'blocked' });
      const normStep = failed.steps.find((x) => x.asset_key === 'norm');
      expect(normStep?.error).toMatchObject({
        code: 'JOBS_CHECK_FAILED',
        details: { check: 'range:t_norm.v', outOfRange: 1 },
      });
      expect(failed.steps.find((x) => x.asset_key === 'gold')?.reason).toMatch(
        /^upstream norm failed: blocking check range:t_norm.v failed/,
      );
      s = await status();
      expect(s.norm?.state).toBe('failing');
      expect(s.norm?.reasons[0]).toContain('JOBS_CHECK_FAILED blocking check range:t_norm.v failed');
      expect(s.gold?.state).toBe('stale');
      expect(s.gold?.reasons).toContain('upstream norm is failing');
      // gold still holds what the last good norm gave it.
      expect((await db.pool.query('SELECT n FROM t_gold')).rows[0].n).toBe(5);
      const alerts = await db.pool.query<{ rule: string; device: string; state: string }>(
        'SELECT rule, device, state FROM alerts WHERE site = $1 ORDER BY opened_at',
        [JOBS_ALERT_SITE],
      );
      expect(alerts.rows).toEqual([{ rule: 'check_failed', device: 'norm', state: 'open' }]);

      await db.pool.query('UPDATE t_src SET v = 20 WHERE id = 2');
      const fixed = await engine.runAndWait({ assets: ['src'], downstream: true });
      expect(fixed.run.status).toBe('succeeded');
      const after = await db.pool.query<{ state: string }>('SELECT state FROM alerts WHERE site = $1', [
        JOBS_ALERT_SITE,
      ]);
      expect(after.rows.map((r) => r.state)).toEqual(['resolved']);
    }, 90_000);

    it('a new code version makes the asset and its downstream stale, and is re-materialized', async () => {
      await engine.close();
      engine = new TestEngine(db.url, [...diamond(log), ...pipelineAssets({ normCode: '2' })]);
      await engine.startWorker();
      const s = await status();
      expect(s.norm?.reasons).toEqual(['code version changed: 1 -> 2']);
      expect(s.gold?.reasons).toEqual(['upstream norm is stale']);
      expect(s.src?.state).toBe('fresh');
      const { steps } = await engine.runAndWait({ assets: ['src'], downstream: true });
      // norm's data version hashes its code version, so gold's input changed too.
      expect(statuses(steps)).toEqual({ src: 'up_to_date', norm: 'succeeded', gold: 'succeeded' });
      expect((await status()).norm?.state).toBe('fresh');
      expect((await status()).gold?.state).toBe('fresh');
    }, 90_000);

    it('pruning removes old history in bounded batches but keeps the latest materialization of each asset', async () => {
      await db.pool.query(`UPDATE job_runs SET created_at = created_at - interval '500 days'`);
      await db.pool.query(`UPDATE asset_materializations SET created_at = created_at - interval '500 days'`);
      const before = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM asset_materializations');
      const r = await pruneHistory(db.pool, { olderThanDays: 400, batchSize: 2 });
      const left = await db.pool.query<{ runs: number; steps: number; logs: number }>(
        `SELECT (SELECT count(*)::int FROM job_runs) AS runs, (SELECT count(*)::int FROM job_steps) AS steps,
                (SELECT count(*)::int FROM job_step_logs) AS logs`,
      );
      expect(left.rows[0]).toEqual({ runs: 0, steps: 0, logs: 0 });
      expect(r.runs).toBeGreaterThan(10);
      const kept = await db.pool.query<{ asset_key: string }>(
        'SELECT asset_key FROM asset_materializations ORDER BY asset_key',
      );
      expect(kept.rows.map((x) => x.asset_key)).toEqual(['a', 'b', 'c', 'd', 'gated', 'gold', 'norm', 'src']);
      expect(r.materializations).toBe((before.rows[0]?.n ?? 0) - 8);
      // Staleness is still judged against what was kept.
      expect(Object.values(await status()).map((x) => x.state)).toEqual(Array(7).fill('fresh'));
    }, 60_000);
  });
}
