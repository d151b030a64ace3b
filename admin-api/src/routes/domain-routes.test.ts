import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '@ysh/common';
import { DATABASE_KINDS, hasTool, type TestDatabase, tempDir } from '@ysh/test-helpers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.ts';
import { type ApiFixture, apiFixture, TEST_CONFIG } from '../testing/fixture.ts';
import { exampleQuote } from '../testing/route-table.ts';

/**
 * The batch-jobs domain through the API with the real BatchServices (allow/deny, OpenAPI and audit
 * are in routes.test.ts): values from the seeded gold rows, error mapping, proposal scope, runs queued.
 */
for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.enabled)(`admin API domain routes on ${kind.kind}`, () => {
    let db: TestDatabase;
    let f: ApiFixture;
    beforeAll(async () => {
      db = await kind.open();
      f = await apiFixture(db);
    }, 300_000);
    afterAll(async () => {
      await f?.close();
      await db?.close();
    });
    const get = (url: string, caller: Parameters<ApiFixture['auth']>[0] = 'viewer') =>
      f.app.inject({ url, headers: f.auth(caller) });
    const post = (url: string, payload: object, caller: Parameters<ApiFixture['auth']>[0] = 'operator') =>
      f.app.inject({ method: 'POST', url, headers: f.auth(caller), payload });

    it('quotes the gold tariff with its components, taxes and provenance, and maps lookup errors', async () => {
      const res = await get('/v1/tarifas?distribuidora=cemig-d&subgrupo=b1&date=2026-06-15');
      expect(res.statusCode, res.body).toBe(200);
      const q = res.json();
      expect(q).toMatchObject({
        distribuidora: 'CEMIG-D',
        subgrupo: 'B1',
        modalidade: 'Convencional',
        classe: 'Residencial',
        date: '2026-06-15',
        teBrlPerKwh: 0.31,
        tusdBrlPerKwh: 0.47,
        tusdFioBBrlPerKwh: 0.26,
        provenance: { reh: 'REH 9.999/2025', file: 'admin-api-fixture.csv', line: 2 },
      });
      expect(q.taxes.uf).toBe('MG');
      const flag = q.bandeira?.addBrlPerKwh ?? 0;
      expect(q.allInBrlPerKwh).toBeCloseTo((0.31 + 0.47 + flag) / (1 - q.taxes.icms - q.taxes.pis - q.taxes.cofins), 5);

      const missing = await get('/v1/tarifas?distribuidora=CEMIG-D&subgrupo=B1&date=2019-06-15');
      expect(missing.statusCode).toBe(404);
      expect(missing.json().error.code).toBe('API_NOT_FOUND');
      expect(missing.json().error.message).toMatch(/2019-06-15|vigência|in force|no tariff/i);
      const badDate = await get('/v1/tarifas?distribuidora=CEMIG-D&subgrupo=B1&date=2026-02-31');
      expect(badDate.statusCode).toBe(400);
      expect((await get('/v1/tarifas?subgrupo=B1')).statusCode).toBe(400);
    });

    it('lists the catalog by kind, brand and words, pages by SKU, and answers 404 for an unknown SKU', async () => {
      const inverters = (await get('/v1/catalog?kind=inverter')).json() as {
        items: Array<{ sku: string; kind: string; specs: { acPowerW: number } }>;
      };
      expect(inverters.items.length).toBe(3);
      expect(inverters.items.every((i) => i.kind === 'inverter' && i.specs.acPowerW > 0)).toBe(true);
      const words = (await get('/v1/catalog?q=550M')).json() as { items: Array<{ sku: string }> };
      expect(words.items.map((i) => i.sku)).toEqual(['mod-550-m72']);
      expect((await get('/v1/catalog?brand=nobody')).json().items).toEqual([]);
      const seen: string[] = [];
      let cursor: string | null = '';
      while (cursor !== null) {
        const page = (await get(`/v1/catalog?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json() as {
          items: Array<{ sku: string }>;
          nextCursor: string | null;
        };
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((i) => i.sku));
        cursor = page.nextCursor;
      }
      const all = await f.pool.query<{ sku: string }>('SELECT sku FROM catalog_items ORDER BY sku');
      expect(seen).toEqual(all.rows.map((r) => r.sku));
      const one = await get('/v1/catalog/mod-550-m72');
      expect(one.json()).toMatchObject({
        sku: 'mod-550-m72',
        kind: 'module',
        specs: { pmaxW: 550, efficiency: 0.213 },
      });
      const none = await get('/v1/catalog/no-such-sku');
      expect(none.statusCode).toBe(404);
      expect(none.json().error.code).toBe('API_NOT_FOUND');
    });

    it.skipIf(!hasTool('pdftotext'))(
      'makes a proposal priced with the gold tariff, lists it, serves it whole and as a PDF',
      async () => {
        const res = await post('/v1/proposals', exampleQuote('api-b1-1'));
        expect(res.statusCode, res.body).toBe(201);
        const p = res.json();
        expect(p).toMatchObject({ id: 'api-b1-1', status: 'open', siteId: null, customer: { name: 'Maria Exemplo' } });
        expect(p.tariff.teBrlPerKwh).toBe(0.31);
        expect(p.tariff.provenance).toContain('REH 9.999/2025');
        expect(p.sizing.dcKwp).toBeGreaterThan(0);
        const stored = await f.pool.query('SELECT origin, distribuidora FROM propostas WHERE id = $1', ['api-b1-1']);
        expect(stored.rows[0]).toEqual({ origin: 'api:operator@example.com', distribuidora: 'CEMIG-D' });
        const whole = (await get('/v1/proposals/api-b1-1')).json();
        expect(whole.kpis).toEqual(p.kpis);
        const list = (await get('/v1/proposals?limit=500')).json() as { items: Array<{ id: string; dcKwp: number }> };
        expect(list.items.find((i) => i.id === 'api-b1-1')?.dcKwp).toBe(p.sizing.dcKwp);

        const pdf = await get('/v1/proposals/api-b1-1/pdf');
        expect(pdf.statusCode).toBe(200);
        expect(pdf.headers['content-type']).toBe('application/pdf');
        expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
        const dir = await tempDir('api-pdf');
        const file = join(dir.path, 'p.pdf');
        writeFileSync(file, pdf.rawPayload);
        expect(execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' })).toContain('Maria Exemplo');
        await dir.remove();

        const bad = await post('/v1/proposals', { ...exampleQuote(), uf: 'Minas' });
        expect(bad.statusCode).toBe(400);
        expect(bad.json().error.code).toBe('API_BAD_REQUEST');
        expect(bad.json().error.message).toContain('uf');
        expect((await get('/v1/proposals/no-such-proposal')).statusCode).toBe(404);
        expect((await post('/v1/proposals', exampleQuote(), 'viewer')).statusCode).toBe(403);
      },
      120_000,
    );

    it('shows a scoped viewer only proposals of their sites or of none, and pages the list', async () => {
      const made: Record<string, string> = {};
      for (const site of ['site-a', 'site-b', null] as const) {
        const p = (await post('/v1/proposals', exampleQuote())).json() as { id: string };
        if (site)
          await f.pool.query(`UPDATE propostas SET status = 'accepted', site_id = $2 WHERE id = $1`, [p.id, site]);
        made[site ?? 'none'] = p.id;
      }
      const scoped = (await get('/v1/proposals?limit=500', 'scopedViewer')).json() as {
        items: Array<{ id: string; siteId: string | null }>;
      };
      const ids = scoped.items.map((i) => i.id);
      expect(ids).toContain(made['site-a']);
      expect(ids).toContain(made.none);
      expect(ids).not.toContain(made['site-b']);
      expect(scoped.items.every((i) => i.siteId === null || i.siteId === 'site-a')).toBe(true);
      expect((await get(`/v1/proposals/${made['site-b']}`, 'scopedViewer')).statusCode).toBe(404);
      expect((await get(`/v1/proposals/${made['site-b']}/pdf`, 'scopedViewer')).statusCode).toBe(404);
      expect((await get(`/v1/proposals/${made['site-b']}`, 'viewer')).statusCode).toBe(200);

      const seen: string[] = [];
      let cursor: string | null = '';
      while (cursor !== null) {
        const page = (await get(`/v1/proposals?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json() as {
          items: Array<{ id: string }>;
          nextCursor: string | null;
        };
        seen.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
      }
      const total = await f.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM propostas');
      expect(seen.length).toBe(total.rows[0]?.n);
      expect(new Set(seen).size).toBe(seen.length);
    }, 120_000);

    it('queues runs for the worker, retries failed steps, compares runs and maps engine errors', async () => {
      const res = await post('/v1/jobs/materialize', { assets: ['demo_sites'], downstream: true });
      expect(res.statusCode, res.body).toBe(202);
      const { runId } = res.json() as { runId: string };
      const run = await f.pool.query('SELECT status, trigger, requested_by FROM job_runs WHERE id = $1', [runId]);
      expect(run.rows[0]).toEqual({ status: 'queued', trigger: 'manual', requested_by: 'operator@example.com' });
      const steps = await f.pool.query<{ asset_key: string }>('SELECT asset_key FROM job_steps WHERE run_id = $1', [
        runId,
      ]);
      expect(steps.rows.map((s) => s.asset_key)).toContain('demo_sites');
      expect(steps.rows.length).toBeGreaterThan(1);
      // The run's detail as the API shows it: camelCase like every other route.
      const detail = (await get(`/v1/jobs/runs/${runId}`)).json();
      expect(detail.run).toMatchObject({ id: runId, status: 'queued', requestedBy: 'operator@example.com' });
      expect(detail.run.createdAt).toEqual(expect.any(String));
      expect(detail.steps.map((s: { assetKey: string }) => s.assetKey)).toContain('demo_sites');
      expect(Object.keys(detail.steps[0]).sort()).toEqual(
        [
          'assetKey',
          'attempts',
          'deps',
          'error',
          'finishedAt',
          'partitionKey',
          'reason',
          'seq',
          'startedAt',
          'status',
        ].sort(),
      );
      const noRun = await get('/v1/jobs/runs/run-none');
      expect(noRun.statusCode).toBe(404);
      expect(noRun.json().error.code).toBe('API_NOT_FOUND');

      const unknown = await post('/v1/jobs/materialize', { assets: ['no_such_asset'] });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().error.message).toContain('no_such_asset');
      // Still queued: nothing to retry yet.
      const early = await post(`/v1/jobs/runs/${runId}/retry`, {});
      expect(early.statusCode).toBe(409);
      expect(early.json().error.code).toBe('API_CONFLICT');
      expect((await post('/v1/jobs/runs/run-none/retry', {})).statusCode).toBe(404);

      await f.pool.query(`UPDATE job_runs SET status = 'failed' WHERE id = $1`, [runId]);
      await f.pool.query(`UPDATE job_steps SET status = 'failed' WHERE run_id = $1 AND asset_key = 'demo_sites'`, [
        runId,
      ]);
      const retry = await post(`/v1/jobs/runs/${runId}/retry`, {});
      expect(retry.statusCode, retry.body).toBe(202);
      const child = await f.pool.query('SELECT trigger, parent_run_id FROM job_runs WHERE id = $1', [
        retry.json().runId,
      ]);
      expect(child.rows[0]).toEqual({ trigger: 'retry', parent_run_id: runId });

      const cmp = await get(`/v1/jobs/compare?a=${runId}&b=${retry.json().runId}`, 'viewer');
      expect(cmp.statusCode, cmp.body).toBe(200);
      expect(cmp.json()).toMatchObject({ a: { id: runId }, b: { id: retry.json().runId, trigger: 'retry' } });
      expect((await get(`/v1/jobs/compare?a=${runId}&b=run-none`)).statusCode).toBe(404);
      expect((await post('/v1/jobs/materialize', { assets: ['demo_sites'] }, 'scopedOperator')).statusCode).toBe(403);
    }, 120_000);

    it('searches the index (empty until built) and refuses an empty query', async () => {
      const res = await get('/v1/search?q=inversor%2010%20kW&namespace=catalog&kind=inverter');
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ items: [] });
      expect((await get('/v1/search?q=%20')).statusCode).toBe(400);
      expect((await get('/v1/search?q=x&namespace=other')).statusCode).toBe(400);
    });

    it('answers 503 API_BATCH_UNAVAILABLE when the wiring gave no batch services', async () => {
      const bare = await buildApp({
        pool: f.pool,
        logger: createLogger('admin-api-test', { level: 'silent' }),
        config: TEST_CONFIG,
      });
      try {
        for (const url of ['/v1/tarifas?distribuidora=CEMIG-D&subgrupo=B1', '/v1/catalog', '/v1/proposals']) {
          const res = await bare.inject({ url, headers: f.auth('viewer') });
          expect(res.statusCode, url).toBe(503);
          expect(res.json().error.code).toBe('API_BATCH_UNAVAILABLE');
        }
        // The history routes do not need them.
        expect((await bare.inject({ url: '/v1/jobs/runs', headers: f.auth('viewer') })).statusCode).toBe(200);
      } finally {
        await bare.close();
      }
    });
  });
}
