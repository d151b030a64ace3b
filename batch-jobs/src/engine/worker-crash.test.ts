import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_KINDS, type TestDatabase, runProcess, startProcess } from '@ysh/test-helpers';
import { AssetGraph } from '../graph/asset-graph.ts';
import { assets as crashAssets, CRASH_ROWS, CRASH_TABLES } from '../testing/crash-assets.ts';
import { planRun } from './plan.ts';
import { startQueue } from './queue.ts';
import { createRun, getRun, getSteps } from './run-store.ts';
import { stepPolicy } from './worker.ts';
import { TEST_SETTINGS } from '../testing/harness.ts';
import { demoDefinitions } from '../demo/index.ts';

const MODULE = join(import.meta.dirname, '..', 'testing', 'crash-assets.ts');

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.enabled)(`ysh jobs worker processes on ${kind.kind}`, () => {
    let db: TestDatabase;
    let dataDir: string;
    beforeAll(async () => {
      db = await kind.open();
      dataDir = await mkdtemp(join(tmpdir(), 'ysh-jobs-'));
      await db.pool.query(CRASH_TABLES);
    }, 60_000);
    afterAll(async () => {
      await db?.close();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    const env = (id: string) => ({
      YSH_DATABASE_URL: db.url,
      YSH_DATA_DIR: dataDir,
      YSH_JOBS_PORT: '0',
      YSH_JOBS_MODULES: MODULE,
      YSH_JOBS_WORKER_ID: id,
      YSH_JOBS_SCHEDULES: 'false',
      YSH_JOBS_MAINTENANCE_INTERVAL: '1s',
      YSH_JOBS_POLL_INTERVAL: '500ms',
      YSH_LOG_LEVEL: 'info',
    });

    it('kill -9 in the middle of a step: another worker finishes the run, each row once, the retry in the history', async () => {
      const a = await startProcess(['jobs', 'worker'], /jobs worker ready/, {
        env: env('worker-a'),
        timeoutMs: 60_000,
      });
      const graph = new AssetGraph([...demoDefinitions(join(dataDir, 'inbox')).assets, ...crashAssets]);
      const boss = await startQueue(
        db.pool,
        {
          schema: 'pgboss',
          pollingIntervalSeconds: 1,
          maintenanceIntervalSeconds: 60,
          retentionDays: 1,
          supervise: false,
        },
        () => {},
      );
      const runId = await createRun(db.pool, boss, graph, stepPolicy(TEST_SETTINGS), {
        trigger: 'manual',
        requestedBy: 'test',
        plan: planRun(graph, { assets: ['crash_slow'], downstream: true }),
      });
      // Wait until worker A is a few rows into the step, then kill it without a chance to clean up.
      await until('worker A mid-step', async () => {
        const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM t_crash');
        return (rows[0]?.n ?? 0) >= 5 ? true : undefined;
      });
      a.child.kill('SIGKILL');
      const killed = await a.done;
      expect(killed.signal).toBe('SIGKILL');
      const partial = (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM t_crash')).rows[0]?.n ?? 0;
      expect(partial).toBeLessThan(CRASH_ROWS);

      const b = await startProcess(['jobs', 'worker'], /jobs worker ready/, {
        env: env('worker-b'),
        timeoutMs: 60_000,
      });
      try {
        const run = await until('the run to finish', async () => {
          const r = await getRun(db.pool, runId);
          return r.finished_at ? r : undefined;
        });
        expect(run.status).toBe('succeeded');
        const steps = await getSteps(db.pool, runId);
        expect(steps.map((s) => [s.asset_key, s.status, s.attempts])).toEqual([
          ['crash_slow', 'succeeded', 2],
          ['crash_after', 'succeeded', 1],
        ]);
        const rows = await db.pool.query<{ n: number; keys: number; attempts: number[] }>(
          'SELECT count(*)::int AS n, count(DISTINCT k)::int AS keys, array_agg(DISTINCT attempt ORDER BY attempt) AS attempts FROM t_crash',
        );
        expect(rows.rows[0]).toEqual({ n: CRASH_ROWS, keys: CRASH_ROWS, attempts: [1, 2] });
        const attempts = await db.pool.query<{ attempt: number; worker: string; outcome: string; code: string | null }>(
          `SELECT attempt, worker, outcome, error->>'code' AS code FROM job_step_attempts
           WHERE run_id = $1 AND asset_key = 'crash_slow' ORDER BY attempt`,
          [runId],
        );
        expect(attempts.rows).toEqual([
          { attempt: 1, worker: 'worker-a', outcome: 'lost', code: 'JOBS_WORKER_LOST' },
          { attempt: 2, worker: 'worker-b', outcome: 'succeeded', code: null },
        ]);
        const shown = await runProcess(['jobs', 'run', runId], { env: env('cli') });
        expect(shown.code).toBe(0);
        expect(shown.stdout).toContain('crash_slow #1 on worker-a: lost');
        expect(shown.stdout).toContain('crash_slow #2 on worker-b: succeeded');

        const status = await runProcess(['jobs', 'status', 'crash_slow', 'crash_after', '--json'], { env: env('cli') });
        expect(JSON.parse(status.stdout).map((x: { key: string; state: string }) => [x.key, x.state])).toEqual([
          ['crash_slow', 'fresh'],
          ['crash_after', 'fresh'],
        ]);
        const unknown = await runProcess(['jobs', 'materialize', 'crash_slo'], { env: env('cli') });
        expect(unknown.code).toBe(1);
        expect(unknown.stderr).toContain('ysh jobs: JOBS_ASSET_UNKNOWN: no asset crash_slo (known: ');
        const badConfig = await runProcess(['jobs', 'materialize', 'crash_slow', '--config', '{nope'], {
          env: env('cli'),
        });
        expect(badConfig.code).toBe(2);
        expect(badConfig.stderr).toMatch(/^ysh jobs: --config: expected a JSON object/);

        // The surviving worker serves /health and /metrics.
        const ready = JSON.parse(
          b
            .output()
            .split('\n')
            .find((l) => l.includes('jobs worker ready')) as string,
        ) as { health: string; metrics: string };
        const health = await fetch(ready.health);
        expect(health.status).toBe(200);
        const metrics = await (await fetch(ready.metrics)).text();
        expect(metrics).toMatch(/ysh_jobs_steps_total\{status="succeeded",component="jobs"\} 2/);
        expect(metrics).toMatch(/ysh_jobs_runs\{status="succeeded",component="jobs"\} 1/);
        expect(metrics).toContain('ysh_jobs_queue_depth');
      } finally {
        b.child.kill('SIGTERM');
        const stopped = await b.done;
        expect(stopped.code).toBe(0);
        expect(stopped.stdout).toContain('"msg":"stopped"');
        await boss.stop({ graceful: false, close: false, wait: false });
      }
    }, 150_000);
  });
}
