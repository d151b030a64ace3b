import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Pool } from '@ysh/common/db';
import type { BatchServices } from '@ysh/common/domain';
import { SiteConfigs } from '@ysh/common/fleet';
import { IdentityStore } from '../identity/identity-store.ts';
import type { Role } from '../identity/principal.ts';

/**
 * One row per route of the API: the least role, whether the target belongs to a site
 * (then the route is tried on site-a and site-b, and a caller scoped elsewhere gets
 * `outOfScope`), whether it is for all-sites callers only, and a `make` that prepares
 * a fresh target so every call can succeed on its own. The allow/deny matrix, the audit
 * walk and the OpenAPI coverage test all read this table.
 */
export interface RouteCase {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** The OpenAPI path (`/v1/sites/{id}`). */
  path: string;
  role: Role;
  site: boolean;
  allSites?: boolean;
  ok: number;
  /** Status for a caller whose scope does not include the target site (default 404). */
  outOfScope?: number;
  make(env: CaseEnv): Promise<{ url: string; body?: unknown }>;
}

export interface CaseEnv {
  pool: Pool;
  site: 'site-a' | 'site-b';
  /** The calling user's id. */
  userId: string;
  /** The batch-jobs services the app was built with. */
  batch: BatchServices;
}

const uid = () => randomBytes(5).toString('hex');

async function freshAlert(pool: Pool, site: string): Promise<string> {
  const id = `al-${uid()}`;
  await pool.query(
    `INSERT INTO alerts (id, site, device, rule, severity, state, since, opened_at, message)
     VALUES ($1, $2, NULL, $3, 'warning', 'open', now(), now(), 'test alert')`,
    [id, site, `rule_${uid()}`],
  );
  return id;
}

async function freshToken(pool: Pool, site: string): Promise<string> {
  const res = await pool.query<{ id: string }>(
    'INSERT INTO site_tokens (site_id, token_hash) VALUES ($1, $2) RETURNING id',
    [site, randomBytes(32)],
  );
  return String(res.rows[0]?.id);
}

/** The example B1 quote without its own tariff (the seeded gold tariff prices it), under a fresh id. */
export function exampleQuote(id = `q-${uid()}`): Record<string, unknown> {
  const q = JSON.parse(readFileSync(new URL('../../../examples/quote-b1.json', import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;
  delete q.tariff;
  return { ...q, id };
}

/** A proposal made by the batch services, then linked to `site` (accepted) when given. */
export async function freshProposal(e: CaseEnv, site: string | null): Promise<string> {
  const p = await e.batch.proposals.create(exampleQuote(), 'route-table');
  if (site) await e.pool.query(`UPDATE propostas SET status = 'accepted', site_id = $2 WHERE id = $1`, [p.id, site]);
  return p.id;
}

async function runWithFailedStep(pool: Pool): Promise<string> {
  const id = `run-${uid()}`;
  await pool.query(
    `INSERT INTO job_runs (id, trigger, status, requested_by, config, config_hash, failed_steps)
     VALUES ($1, 'manual', 'failed', 'test', '{"assets": {"demo_sites": {}}, "force": false}', 'h', 1)`,
    [id],
  );
  await pool.query(
    `INSERT INTO job_steps (run_id, asset_key, partition_key, seq, status, error)
     VALUES ($1, 'demo_sites', '', 1, 'failed', '{"message": "test failure"}')`,
    [id],
  );
  return id;
}

const range = () => {
  const to = new Date();
  const from = new Date(to.getTime() - 3 * 3600_000);
  return `from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`;
};

export const ROUTE_CASES: RouteCase[] = [
  { method: 'GET', path: '/v1/me', role: 'viewer', site: false, ok: 200, make: async () => ({ url: '/v1/me' }) },
  {
    method: 'POST',
    path: '/v1/auth/logout',
    role: 'viewer',
    site: false,
    ok: 204,
    make: async () => ({ url: '/v1/auth/logout' }),
  },
  { method: 'GET', path: '/v1/sites', role: 'viewer', site: false, ok: 200, make: async () => ({ url: '/v1/sites' }) },
  {
    method: 'GET',
    path: '/v1/sites/{id}',
    role: 'viewer',
    site: true,
    ok: 200,
    make: async (e) => ({ url: `/v1/sites/${e.site}` }),
  },
  {
    method: 'POST',
    path: '/v1/sites',
    role: 'admin',
    site: false,
    ok: 201,
    make: async () => ({
      url: '/v1/sites',
      body: { id: `site-${uid()}`, name: 'New site', latitude: -20, longitude: -45 },
    }),
  },
  {
    method: 'PATCH',
    path: '/v1/sites/{id}',
    role: 'operator',
    site: true,
    ok: 200,
    make: async (e) => ({ url: `/v1/sites/${e.site}`, body: { name: `Usina ${uid()}` } }),
  },
  {
    method: 'DELETE',
    path: '/v1/sites/{id}',
    role: 'admin',
    site: false,
    ok: 204,
    make: async (e) => {
      const id = `site-${uid()}`;
      await e.pool.query('INSERT INTO sites (id) VALUES ($1)', [id]);
      return { url: `/v1/sites/${id}` };
    },
  },
  {
    method: 'POST',
    path: '/v1/sites/{id}/tokens',
    role: 'operator',
    site: true,
    ok: 201,
    make: async (e) => ({ url: `/v1/sites/${e.site}/tokens` }),
  },
  {
    method: 'POST',
    path: '/v1/sites/{id}/tokens/{tokenId}/rotate',
    role: 'operator',
    site: true,
    ok: 201,
    make: async (e) => ({
      url: `/v1/sites/${e.site}/tokens/${await freshToken(e.pool, e.site)}/rotate`,
      body: { overlapSeconds: 60 },
    }),
  },
  {
    method: 'DELETE',
    path: '/v1/sites/{id}/tokens/{tokenId}',
    role: 'operator',
    site: true,
    ok: 204,
    make: async (e) => ({ url: `/v1/sites/${e.site}/tokens/${await freshToken(e.pool, e.site)}` }),
  },
  {
    method: 'GET',
    path: '/v1/devices',
    role: 'viewer',
    site: false,
    ok: 200,
    make: async () => ({ url: '/v1/devices' }),
  },
  {
    method: 'GET',
    path: '/v1/devices/{id}',
    role: 'viewer',
    site: true,
    ok: 200,
    make: async (e) => ({ url: `/v1/devices/${e.site === 'site-a' ? 'inv-a1' : 'inv-b1'}` }),
  },
  { method: 'GET', path: '/v1/fleet', role: 'viewer', site: false, ok: 200, make: async () => ({ url: '/v1/fleet' }) },
  {
    method: 'GET',
    path: '/v1/series',
    role: 'viewer',
    site: true,
    ok: 200,
    make: async (e) => ({ url: `/v1/series?site=${e.site}&${range()}` }),
  },
  {
    method: 'GET',
    path: '/v1/export.csv',
    role: 'viewer',
    site: true,
    ok: 200,
    make: async (e) => ({ url: `/v1/export.csv?site=${e.site}&${range()}` }),
  },
  {
    method: 'GET',
    path: '/v1/alerts',
    role: 'viewer',
    site: false,
    ok: 200,
    make: async () => ({ url: '/v1/alerts' }),
  },
  {
    method: 'GET',
    path: '/v1/alerts/{id}',
    role: 'viewer',
    site: true,
    ok: 200,
    make: async (e) => ({ url: `/v1/alerts/${await freshAlert(e.pool, e.site)}` }),
  },
  {
    method: 'POST',
    path: '/v1/alerts/{id}/ack',
    role: 'operator',
    site: true,
    ok: 200,
    make: async (e) => ({ url: `/v1/alerts/${await freshAlert(e.pool, e.site)}/ack` }),
  },
  {
    method: 'POST',
    path: '/v1/alerts/ack',
    role: 'operator',
    site: true,
    ok: 200,
    // Bulk answers per id: another site's alert is reported not_found inside a 200.
    outOfScope: 200,
    make: async (e) => ({ url: '/v1/alerts/ack', body: { ids: [await freshAlert(e.pool, e.site)] } }),
  },
  {
    method: 'POST',
    path: '/v1/alerts/{id}/resolve',
    role: 'operator',
    site: true,
    ok: 200,
    make: async (e) => ({ url: `/v1/alerts/${await freshAlert(e.pool, e.site)}/resolve` }),
  },
  {
    method: 'POST',
    path: '/v1/alerts/{id}/comments',
    role: 'operator',
    site: true,
    ok: 201,
    make: async (e) => ({
      url: `/v1/alerts/${await freshAlert(e.pool, e.site)}/comments`,
      body: { text: 'inverter reset on site' },
    }),
  },
  {
    method: 'GET',
    path: '/v1/silences',
    role: 'viewer',
    site: false,
    ok: 200,
    make: async () => ({ url: '/v1/silences' }),
  },
  {
    method: 'POST',
    path: '/v1/silences',
    role: 'operator',
    site: true,
    ok: 201,
    make: async (e) => ({
      url: '/v1/silences',
      body: {
        site: e.site,
        rule: 'no_production',
        until: new Date(Date.now() + 3600_000).toISOString(),
        reason: 'maintenance',
      },
    }),
  },
  {
    method: 'DELETE',
    path: '/v1/silences/{id}',
    role: 'operator',
    site: true,
    ok: 204,
    make: async (e) => {
      const res = await e.pool.query<{ id: string }>(
        `INSERT INTO alert_silences (site, until, reason, created_by) VALUES ($1, now() + interval '1 hour', 'test', 'test') RETURNING id`,
        [e.site],
      );
      return { url: `/v1/silences/${res.rows[0]?.id}` };
    },
  },
  {
    method: 'GET',
    path: '/v1/jobs/assets',
    role: 'viewer',
    site: false,
    allSites: true,
    ok: 200,
    make: async () => ({ url: '/v1/jobs/assets' }),
  },
  {
    method: 'GET',
    path: '/v1/jobs/lineage',
    role: 'viewer',
    site: false,
    allSites: true,
    ok: 200,
    make: async () => ({ url: '/v1/jobs/lineage' }),
  },
  {
    method: 'GET',
    path: '/v1/jobs/runs',
    role: 'viewer',
    site: false,
    allSites: true,
    ok: 200,
    make: async () => ({ url: '/v1/jobs/runs' }),
  },
  {
    method: 'GET',
    path: '/v1/jobs/runs/{id}',
    role: 'viewer',
    site: false,
    allSites: true,
    ok: 200,
    make: async (e) => {
      const id = `run-${uid()}`;
      await e.pool.query(
        `INSERT INTO job_runs (id, trigger, status, requested_by, config, config_hash) VALUES ($1, 'manual', 'succeeded', 'test', '{}', 'h')`,
        [id],
      );
      return { url: `/v1/jobs/runs/${id}` };
    },
  },
  {
    method: 'POST',
    path: '/v1/jobs/materialize',
    role: 'operator',
    site: false,
    allSites: true,
    ok: 202,
    make: async () => ({ url: '/v1/jobs/materialize', body: { assets: ['demo_sites'], downstream: false } }),
  },
  {
    method: 'POST',
    path: '/v1/jobs/runs/{id}/retry',
    role: 'operator',
    site: false,
    allSites: true,
    ok: 202,
    make: async (e) => ({ url: `/v1/jobs/runs/${await runWithFailedStep(e.pool)}/retry` }),
  },
  {
    method: 'GET',
    path: '/v1/jobs/compare',
    role: 'viewer',
    site: false,
    allSites: true,
    ok: 200,
    make: async (e) => ({
      url: `/v1/jobs/compare?a=${await runWithFailedStep(e.pool)}&b=${await runWithFailedStep(e.pool)}`,
    }),
  },
  {
    method: 'GET',
    path: '/v1/tarifas',
    role: 'viewer',
    site: false,
    ok: 200,
    make: async () => ({ url: '/v1/tarifas?distribuidora=CEMIG-D&subgrupo=B1&date=2026-06-15' }),
  },
  {
    method: 'GET',
    path: '/v1/catalog',
    role: 'viewer',
    site: false,
    ok: 200,
    make: async () => ({ url: '/v1/catalog?kind=module' }),
  },
  {
    method: 'GET',
    path: '/v1/catalog/{sku}',
    role: 'viewer',
    site: false,
    ok: 200,
    make: async () => ({ url: '/v1/catalog/mod-550-m72' }),
  },
  {
    method: 'POST',
    path: '/v1/proposals',
    role: 'operator',
    site: false,
    ok: 201,
    make: async () => ({ url: '/v1/proposals', body: exampleQuote() }),
  },
  {
    method: 'GET',
    path: '/v1/proposals',
    role: 'viewer',
    site: false,
    ok: 200,
    make: async () => ({ url: '/v1/proposals' }),
  },
  {
    method: 'GET',
    path: '/v1/proposals/{id}',
    role: 'viewer',
    site: true,
    ok: 200,
    make: async (e) => ({ url: `/v1/proposals/${await freshProposal(e, e.site)}` }),
  },
  {
    method: 'GET',
    path: '/v1/proposals/{id}/pdf',
    role: 'viewer',
    site: true,
    ok: 200,
    make: async (e) => ({ url: `/v1/proposals/${await freshProposal(e, e.site)}/pdf` }),
  },
  {
    method: 'GET',
    path: '/v1/search',
    role: 'viewer',
    site: false,
    ok: 200,
    make: async () => ({ url: '/v1/search?q=inversor&namespace=catalog' }),
  },
  { method: 'GET', path: '/v1/users', role: 'admin', site: false, ok: 200, make: async () => ({ url: '/v1/users' }) },
  {
    method: 'POST',
    path: '/v1/users',
    role: 'admin',
    site: false,
    ok: 201,
    make: async () => ({
      url: '/v1/users',
      body: { email: `u-${uid()}@example.com`, password: 'a-long-password', role: 'viewer', sites: ['site-a'] },
    }),
  },
  {
    method: 'PATCH',
    path: '/v1/users/{id}',
    role: 'admin',
    site: false,
    ok: 200,
    make: async (e) => {
      const res = await e.pool.query<{ id: string }>(
        `INSERT INTO api_users (email, password_hash, role) VALUES ($1, 'x', 'viewer') RETURNING id`,
        [`p-${uid()}@example.com`],
      );
      return { url: `/v1/users/${res.rows[0]?.id}`, body: { role: 'operator', sites: null } };
    },
  },
  {
    method: 'GET',
    path: '/v1/apikeys',
    role: 'viewer',
    site: false,
    ok: 200,
    make: async () => ({ url: '/v1/apikeys' }),
  },
  {
    method: 'POST',
    path: '/v1/apikeys',
    role: 'viewer',
    site: false,
    ok: 201,
    make: async () => ({ url: '/v1/apikeys', body: { name: 'automation' } }),
  },
  {
    method: 'DELETE',
    path: '/v1/apikeys/{id}',
    role: 'viewer',
    site: false,
    ok: 204,
    make: async (e) => {
      const { info } = await new IdentityStore(e.pool, { sessionTtlMs: 60_000 }).createApiKey(e.userId, 'to revoke');
      return { url: `/v1/apikeys/${info.id}` };
    },
  },
  {
    method: 'GET',
    path: '/v1/agents',
    role: 'viewer',
    site: false,
    ok: 200,
    make: async () => ({ url: '/v1/agents' }),
  },
  {
    method: 'POST',
    path: '/v1/sites/{id}/enroll-codes',
    role: 'operator',
    site: true,
    ok: 201,
    make: async (e) => ({ url: `/v1/sites/${e.site}/enroll-codes`, body: { ttlSeconds: 600 } }),
  },
  {
    method: 'GET',
    path: '/v1/sites/{id}/config',
    role: 'viewer',
    site: true,
    ok: 200,
    make: async (e) => {
      await new SiteConfigs(e.pool).put(e.site, 'devices: []\n', { createdBy: 'route-table' });
      return { url: `/v1/sites/${e.site}/config` };
    },
  },
  {
    method: 'PUT',
    path: '/v1/sites/{id}/config',
    role: 'operator',
    site: true,
    ok: 200,
    make: async (e) => ({
      url: `/v1/sites/${e.site}/config`,
      body: {
        body: `devices:\n  - id: inv-${uid()}\n    transport: tcp\n    host: 10.0.0.9\n`,
        comment: 'route table',
      },
    }),
  },
  { method: 'GET', path: '/v1/audit', role: 'admin', site: false, ok: 200, make: async () => ({ url: '/v1/audit' }) },
];

/** Routes outside the inject matrix, with the test that covers them. */
export const OTHER_ROUTES: Record<string, string> = {
  'POST /v1/auth/login': 'public; session tests in identity.test.ts',
  'GET /v1/events': 'a stream; events.test.ts (scope, Last-Event-ID) over a real socket',
};
