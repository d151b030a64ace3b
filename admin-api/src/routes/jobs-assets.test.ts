import { type JobsDefinitions, loadDefinitions, loadJobsConfig } from '@ysh/batch-jobs';
import { TestEngine } from '@ysh/batch-jobs/testing/harness.ts';
import { DATABASE_KINDS, type TestDatabase } from '@ysh/test-helpers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiFixture, apiFixture } from '../testing/fixture.ts';

interface AssetItem {
  key: string;
  layer: string;
  status: string;
  reason: string | null;
  reasons: string[];
  running: boolean;
  lastMaterializedAt: string | null;
  lastRunId: string | null;
  deps: string[];
}

/**
 * /v1/jobs/assets and /v1/jobs/lineage judge assets as `ysh jobs status` does, from the asset
 * definitions this process runs: every defined asset (run or not) with its layer and deps, fresh
 * after a real run of the jobs worker, stale with the reason once the code it was built by changed.
 */
for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.enabled)(`admin API asset states on ${kind.kind}`, () => {
    let db: TestDatabase;
    let f: ApiFixture;
    let defs: JobsDefinitions;
    let engine: TestEngine;
    beforeAll(async () => {
      db = await kind.open();
      f = await apiFixture(db);
      defs = await loadDefinitions(loadJobsConfig(process.env));
      engine = new TestEngine(db.url, defs.graph.assets());
      await engine.startWorker();
    }, 300_000);
    afterAll(async () => {
      await engine?.close();
      await f?.close();
      await db?.close();
    });
    const assets = async (query = '') => {
      const res = await f.app.inject({ url: `/v1/jobs/assets${query}`, headers: f.auth('viewer') });
      expect(res.statusCode, res.body).toBe(200);
      return new Map((res.json().items as AssetItem[]).map((a) => [a.key, a]));
    };

    it('lists every defined asset with its layer and deps, fresh after a real run, stale with the reason after a code change', async () => {
      const before = await assets();
      expect([...before.keys()].sort()).toEqual([...defs.graph.order].sort());
      for (const a of defs.graph.assets()) {
        const item = before.get(a.key) as AssetItem;
        expect(item.layer, a.key).toBe(a.layer);
        expect(item.deps.sort(), a.key).toEqual([...a.deps].sort());
        expect(item).toMatchObject({ status: 'missing', reason: 'never materialized', lastRunId: null });
      }
      const lineage = (await f.app.inject({ url: '/v1/jobs/lineage', headers: f.auth('viewer') })).json();
      expect(lineage.edges.length).toBe(defs.graph.assets().reduce((n, a) => n + a.deps.length, 0));
      expect(lineage.edges).toContainEqual({ from: 'demo_sites', to: 'demo_meter_daily' });

      const res = await f.app.inject({
        method: 'POST',
        url: '/v1/jobs/materialize',
        headers: f.auth('operator'),
        payload: { assets: ['demo_sites'] },
      });
      expect(res.statusCode, res.body).toBe(202);
      const { runId } = res.json() as { runId: string };
      const done = await engine.wait(runId, 120_000);
      expect(done.run.status).toBe('succeeded');

      const after = await assets();
      expect(after.get('demo_sites')).toMatchObject({ status: 'fresh', reason: null, reasons: [], lastRunId: runId });
      expect(after.get('demo_sites')?.lastMaterializedAt).toEqual(expect.any(String));
      // its downstream never ran: still missing, and says so
      expect(after.get('demo_meter_daily')).toMatchObject({ status: 'missing', reason: 'never materialized' });
      expect([...(await assets('?status=fresh')).keys()]).toEqual(['demo_sites']);

      // The materialization was made by other code than the definitions now loaded.
      await f.pool.query(`UPDATE asset_materializations SET code_version = 'older' WHERE asset_key = 'demo_sites'`);
      const stale = (await assets()).get('demo_sites') as AssetItem;
      expect(stale.status).toBe('stale');
      expect(stale.reasons).toEqual([`code version changed: older -> ${defs.graph.get('demo_sites').codeVersion}`]);
      expect(stale.reason).toBe(stale.reasons[0]);
      const node = (await f.app.inject({ url: '/v1/jobs/lineage', headers: f.auth('viewer') }))
        .json()
        .nodes.find((n: { key: string }) => n.key === 'demo_sites');
      expect(node).toEqual({ key: 'demo_sites', layer: 'raw', status: 'stale', reason: stale.reason });
    }, 300_000);
  });
}
