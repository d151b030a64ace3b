import SwaggerParser from '@apidevtools/swagger-parser';
import { DATABASE_KINDS, type TestDatabase } from '@ysh/test-helpers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleAtLeast } from './identity/principal.ts';
import { type ApiFixture, apiFixture, CALLERS, type CallerName } from './testing/fixture.ts';
import { OTHER_ROUTES, ROUTE_CASES, type RouteCase } from './testing/route-table.ts';

/** What the table says a caller gets from a route on a site's resource. */
function expected(route: RouteCase, caller: CallerName, site: 'site-a' | 'site-b'): number {
  const c = CALLERS[caller];
  if (!roleAtLeast(c.role, route.role)) return 403;
  if (route.allSites && c.sites !== null) return 403;
  if (route.site && c.sites !== null && !(c.sites as readonly string[]).includes(site)) return route.outOfScope ?? 404;
  return route.ok;
}

const MUTATING = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.enabled)(`admin API routes on ${kind.kind}`, () => {
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

    async function call(route: RouteCase, caller: CallerName | null, site: 'site-a' | 'site-b') {
      const { url, body } = await route.make({
        pool: f.pool,
        site,
        userId: caller ? f.userIds[caller] : f.userIds.admin,
        batch: f.batch,
      });
      return f.app.inject({
        method: route.method,
        url,
        headers: caller ? f.auth(caller) : {},
        ...(body === undefined ? {} : { payload: body as object }),
      });
    }

    it('answers every route for every role and scope as the table says', async () => {
      const mismatches: string[] = [];
      for (const route of ROUTE_CASES) {
        for (const caller of Object.keys(CALLERS) as CallerName[]) {
          for (const site of route.site ? (['site-a', 'site-b'] as const) : (['site-a'] as const)) {
            const res = await call(route, caller, site);
            const want = expected(route, caller, site);
            if (res.statusCode !== want)
              mismatches.push(
                `${route.method} ${route.path} as ${caller} on ${site}: ${res.statusCode} (want ${want}) ${res.body.slice(0, 200)}`,
              );
            if (res.statusCode >= 400) {
              const err = res.json() as { error: { code: string; requestId: string } };
              expect(err.error.requestId).toBe(res.headers['x-request-id']);
            }
          }
        }
      }
      expect(mismatches).toEqual([]);
    }, 300_000);

    it('refuses every non-public route without credentials, and a revoked key', async () => {
      for (const route of ROUTE_CASES) {
        const res = await call(route, null, 'site-a');
        expect(res.statusCode, `${route.method} ${route.path}`).toBe(401);
        expect(res.json().error.code).toBe('API_UNAUTHENTICATED');
      }
      const bogus = await f.app.inject({ url: '/v1/me', headers: { authorization: 'Bearer ysh_k_00000000_nope' } });
      expect(bogus.statusCode).toBe(401);
    });

    it("never shows a scoped operator another site's alerts, devices, sites, fleet rows, series or export", async () => {
      const as = (url: string) => f.app.inject({ url, headers: f.auth('scopedOperator') });
      const alerts = (await as('/v1/alerts?limit=500')).json() as { items: Array<{ site: string }> };
      expect(alerts.items.length).toBeGreaterThan(0);
      expect(new Set(alerts.items.map((a) => a.site))).toEqual(new Set(['site-a']));
      expect((await as('/v1/alerts?site=site-b')).json().items).toEqual([]);
      const devices = (await as('/v1/devices')).json() as { items: Array<{ site: string }> };
      expect(devices.items.map((d) => d.site)).toEqual(['site-a']);
      expect((await as('/v1/devices?site=site-b')).json().items).toEqual([]);
      expect(((await as('/v1/sites')).json() as { items: Array<{ id: string }> }).items.map((s) => s.id)).toEqual([
        'site-a',
      ]);
      expect(((await as('/v1/fleet')).json() as { items: Array<{ site: string }> }).items.map((s) => s.site)).toEqual([
        'site-a',
      ]);
      const to = new Date().toISOString();
      const from = new Date(Date.now() - 3600_000).toISOString();
      expect((await as(`/v1/series?device=inv-b1&from=${from}&to=${to}`)).statusCode).toBe(404);
      expect((await as(`/v1/series?site=site-a&device=inv-b1&from=${from}&to=${to}`)).statusCode).toBe(404);
      const csv = await as(`/v1/export.csv?site=site-b&from=${from}&to=${to}`);
      expect(csv.statusCode).toBe(404);
      expect(csv.body).not.toContain('inv-b1');
      const own = await as(`/v1/export.csv?site=site-a&from=${from}&to=${to}`);
      expect(own.headers['content-type']).toContain('text/csv');
      expect(own.body.split('\n').filter((l) => l.includes(',inv-a1,')).length).toBeGreaterThan(30);
      expect(own.body).not.toContain('inv-b1');
      // The unscoped viewer sees both.
      const all = (await f.app.inject({ url: '/v1/alerts?limit=500', headers: f.auth('viewer') })).json() as {
        items: Array<{ site: string }>;
      };
      expect(new Set(all.items.map((a) => a.site))).toEqual(new Set(['site-a', 'site-b']));
    });

    it('pages lists with a cursor and refuses a forged cursor and oversized pages', async () => {
      const seen: string[] = [];
      let cursor: string | null = '';
      while (cursor !== null) {
        const res = await f.app.inject({
          url: `/v1/alerts?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
          headers: f.auth('admin'),
        });
        const page = res.json() as { items: Array<{ id: string }>; nextCursor: string | null };
        expect(page.items.length).toBeLessThanOrEqual(3);
        seen.push(...page.items.map((a) => a.id));
        cursor = page.nextCursor;
      }
      const total = await f.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM alerts');
      expect(seen.length).toBe(total.rows[0]?.n);
      expect(new Set(seen).size).toBe(seen.length);
      const forged = await f.app.inject({
        url: `/v1/alerts?cursor=${Buffer.from('{"a":1}').toString('base64url')}`,
        headers: f.auth('admin'),
      });
      expect(forged.statusCode).toBe(400);
      expect((await f.app.inject({ url: '/v1/alerts?limit=501', headers: f.auth('admin') })).statusCode).toBe(400);
      expect((await f.app.inject({ url: '/v1/alerts?bogus=1', headers: f.auth('admin') })).statusCode).toBe(400);
    });

    it('serves an OpenAPI document that validates and holds every route with its responses', async () => {
      const doc = (await f.app.inject({ url: '/openapi.json' })).json() as {
        paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      };
      await SwaggerParser.validate(structuredClone(doc) as never);
      const docs = await f.app.inject({ url: '/docs/' });
      expect([200, 302], docs.body.slice(0, 200)).toContain(docs.statusCode);
      const documented = new Set<string>();
      for (const [path, ops] of Object.entries(doc.paths))
        for (const [method, op] of Object.entries(ops)) {
          documented.add(`${method.toUpperCase()} ${path}`);
          expect(Object.keys(op.responses).length, `${method} ${path}`).toBeGreaterThan(0);
        }
      const table = new Set([...ROUTE_CASES.map((r) => `${r.method} ${r.path}`), ...Object.keys(OTHER_ROUTES)]);
      // The table and the document name the same routes: a new route must join the matrix.
      expect([...documented].filter((r) => r.includes(' /v1/')).sort()).toEqual([...table].sort());
    });

    it('writes an audit row for every mutating route in the OpenAPI document', async () => {
      const doc = (await f.app.inject({ url: '/openapi.json' })).json() as {
        paths: Record<string, Record<string, unknown>>;
      };
      const mutating = Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops)
          .map((m) => m.toUpperCase())
          .filter((m) => MUTATING.has(m))
          .map((m) => ({ method: m, path })),
      );
      expect(mutating.length).toBeGreaterThan(15);
      for (const { method, path } of mutating) {
        const route = ROUTE_CASES.find((r) => r.method === method && r.path === path);
        if (!route) {
          expect(path).toBe('/v1/auth/login');
          const res = await f.app.inject({
            method: 'POST',
            url: path,
            payload: { email: 'admin@example.com', password: 'wrong-password' },
          });
          expect(res.statusCode).toBe(401);
          const row = await f.pool.query('SELECT actor, status FROM audit_log WHERE request_id = $1', [
            res.headers['x-request-id'],
          ]);
          expect(row.rows[0]).toMatchObject({ actor: 'anonymous', status: 401 });
          continue;
        }
        const res = await call(route, 'admin', 'site-a');
        expect(res.statusCode, `${method} ${path}: ${res.body}`).toBe(route.ok);
        const { rows } = await f.pool.query<{
          actor: string;
          method: string;
          route: string;
          status: number;
          target: string | null;
        }>('SELECT actor, method, route, status, target FROM audit_log WHERE request_id = $1', [
          res.headers['x-request-id'],
        ]);
        expect(rows, `${method} ${path}`).toHaveLength(1);
        expect(rows[0]).toMatchObject({ actor: 'admin@example.com', method, status: route.ok });
        expect(rows[0]?.route.replace(/:(\w+)/g, '{$1}')).toBe(path);
      }
      // A refused mutation is recorded too, and the log cannot be edited.
      const denied = await call(
        ROUTE_CASES.find((r) => r.path === '/v1/sites' && r.method === 'POST') as RouteCase,
        'viewer',
        'site-a',
      );
      expect(denied.statusCode).toBe(403);
      const row = await f.pool.query('SELECT actor, status FROM audit_log WHERE request_id = $1', [
        denied.headers['x-request-id'],
      ]);
      expect(row.rows[0]).toMatchObject({ actor: 'viewer@example.com', status: 403 });
      await expect(f.pool.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
      const audit = (await f.app.inject({ url: '/v1/audit?limit=5', headers: f.auth('admin') })).json() as {
        items: unknown[];
      };
      expect(audit.items).toHaveLength(5);
    }, 300_000);
  });
}
