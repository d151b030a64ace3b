import { createBatchServices, EXAMPLE_CATALOG } from '@ysh/batch-jobs';
import { insertCatalog } from '@ysh/batch-jobs/testing/rag-documents.ts';
import { createLogger } from '@ysh/common';
import type { Pool } from '@ysh/common/db';
import type { BatchServices } from '@ysh/common/domain';
import type { TestDatabase } from '@ysh/test-helpers';
import { type ApiApp, type AppConfig, buildApp } from '../app.ts';
import { IdentityStore } from '../identity/identity-store.ts';
import type { Role } from '../identity/principal.ts';

export const TEST_CONFIG: AppConfig = {
  bodyLimitBytes: 64 * 1024,
  requestTimeoutMs: 3000,
  connectionTimeoutMs: 3000,
  rateLimit: { max: 100_000, windowMs: 60_000 },
  sessionTtlMs: 3_600_000,
  secureCookies: false,
  corsOrigins: [],
  tokenOverlapMs: 60_000,
  consoleDir: undefined,
  eventPollMs: 50,
};

/** The callers of the allow/deny matrix: each role unscoped, and an operator and a viewer scoped to site-a. */
export const CALLERS = {
  admin: { role: 'admin', sites: null },
  operator: { role: 'operator', sites: null },
  viewer: { role: 'viewer', sites: null },
  scopedOperator: { role: 'operator', sites: ['site-a'] },
  scopedViewer: { role: 'viewer', sites: ['site-a'] },
} as const satisfies Record<string, { role: Role; sites: string[] | null }>;
export type CallerName = keyof typeof CALLERS;

export interface ApiFixture {
  app: ApiApp;
  pool: Pool;
  batch: BatchServices;
  keys: Record<CallerName, string>;
  userIds: Record<CallerName, string>;
  /** Authorization header of a caller. */
  auth(caller: CallerName): { authorization: string };
  close(): Promise<void>;
}

/**
 * Two sites (site-a, site-b) with a device and an open alert each, one user per caller
 * with an API key, the EXAMPLE catalog in catalog_items and a CEMIG-D B1 tariff in tarifas_gold,
 * and the app built over the database with the real batch-jobs services (not listening: app.inject()).
 */
export async function apiFixture(db: TestDatabase, config: Partial<AppConfig> = {}): Promise<ApiFixture> {
  const pool = db.pool;
  await seedFleet(pool);
  await seedDomain(pool);
  const identity = new IdentityStore(pool, { sessionTtlMs: 3_600_000 });
  const keys = {} as Record<CallerName, string>;
  const userIds = {} as Record<CallerName, string>;
  for (const [name, c] of Object.entries(CALLERS) as Array<[CallerName, (typeof CALLERS)[CallerName]]>) {
    const user = await identity.addUser({
      email: `${name.toLowerCase()}@example.com`,
      password: `${name}-password-123`,
      role: c.role,
      sites: c.sites === null ? null : [...c.sites],
    });
    userIds[name] = user.id;
    keys[name] = (await identity.createApiKey(user.id, 'test')).key;
  }
  const logger = createLogger('admin-api-test', { level: 'silent' });
  const batch = await createBatchServices(pool, logger);
  const app = await buildApp({ pool, logger, config: { ...TEST_CONFIG, ...config }, batch });
  await app.ready();
  return {
    app,
    pool,
    batch,
    keys,
    userIds,
    auth: (caller) => ({ authorization: `Bearer ${keys[caller]}` }),
    close: async () => {
      await app.close();
      await batch.close();
    },
  };
}

export async function seedFleet(pool: Pool): Promise<void> {
  await pool.query(`INSERT INTO sites (id, name, latitude, longitude) VALUES
      ('site-a', 'Usina A', -23.5, -46.6), ('site-b', 'Usina B', -22.9, -43.2) ON CONFLICT DO NOTHING`);
  await pool.query(`INSERT INTO devices (site_id, id, model, serial, nameplate_w) VALUES
      ('site-a', 'inv-a1', 'YSH-SIM-3P', 'SN-A1', 5000), ('site-b', 'inv-b1', 'YSH-SIM-3P', 'SN-B1', 5000)
      ON CONFLICT DO NOTHING`);
  await pool.query(`INSERT INTO alerts (id, site, device, rule, severity, state, since, opened_at, message) VALUES
      ('al-a1', 'site-a', 'inv-a1', 'no_production', 'critical', 'open', now() - interval '10 minutes', now(), 'no production on inv-a1'),
      ('al-b1', 'site-b', 'inv-b1', 'no_production', 'warning', 'open', now() - interval '5 minutes', now(), 'no production on inv-b1')
      ON CONFLICT DO NOTHING`);
  for (const [site, device] of [
    ['site-a', 'inv-a1'],
    ['site-b', 'inv-b1'],
  ])
    await pool.query(
      `INSERT INTO window_results (device, window_start, site, window_end, revision, samples, expected, availability, energy_wh,
                                   ac_power_w_mean, dc_power_w_mean, temperature_c_mean, state)
       SELECT $2, ts, $1, ts + interval '1 minute', 1, 12, 12, 1, 50, 3000, 3100, 40, '{}'::jsonb
         FROM generate_series(date_trunc('minute', now()) - interval '2 hours', date_trunc('minute', now()) - interval '1 minute', interval '1 minute') AS ts
       ON CONFLICT DO NOTHING`,
      [site, device],
    );
}

/** Gold rows the domain routes read: the EXAMPLE catalog and one CEMIG-D B1 residential tariff (with its bandeira). */
export async function seedDomain(pool: Pool): Promise<void> {
  await insertCatalog(pool, EXAMPLE_CATALOG);
  await pool.query(`DELETE FROM tarifas_gold WHERE source_file = 'admin-api-fixture.csv'`);
  await pool.query(
    `INSERT INTO tarifas_gold (distribuidora, subgrupo, modalidade, classe, subclasse, posto, vigencia_start, vigencia_end,
                               reh, te_brl_kwh, tusd_brl_kwh, tusd_fio_b_brl_kwh, normalized_id, layout, source_file, line, source_hash)
     VALUES ('CEMIG-D', 'B1', 'Convencional', 'Residencial', 'Residencial', NULL, '2020-01-01', NULL,
             'REH 9.999/2025', 0.31, 0.47, 0.26, 1, 'fixture', 'admin-api-fixture.csv', 2, 'fixture-hash')`,
  );
}
