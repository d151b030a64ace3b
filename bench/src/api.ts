import { buildApp, IdentityStore } from '@ysh/admin-api';
import { FLEET_SQL } from '@ysh/admin-api';
import { createLogger } from '@ysh/common';
import type { Pool } from '@ysh/common/db';
import { DATABASE_KINDS } from '@ysh/test-helpers';
import type { Benchmark, BenchRow } from './types.ts';

const SITES = 1000;
const DEVICES_PER_SITE = 10;
const ALERTS = 100_000;
const WINDOWS_PER_DEVICE = 12;

async function seed(pool: Pool): Promise<void> {
  await pool.query(
    `INSERT INTO sites (id, name) SELECT 'bs-' || lpad(i::text, 4, '0'), 'Bench site ' || i FROM generate_series(1, $1) i`,
    [SITES],
  );
  await pool.query(
    `INSERT INTO devices (site_id, id, nameplate_w)
     SELECT 'bs-' || lpad(s::text, 4, '0'), 'bs-' || lpad(s::text, 4, '0') || '-inv' || d, 5000
       FROM generate_series(1, $1) s, generate_series(1, $2) d`,
    [SITES, DEVICES_PER_SITE],
  );
  // 100,000 alerts: 5% unresolved (one per site, device and rule), the rest resolved history.
  await pool.query(
    `INSERT INTO alerts (id, site, device, rule, severity, state, since, opened_at, resolved_at, message)
     SELECT 'ba-' || i, 'bs-' || lpad((i % $1 + 1)::text, 4, '0'), 'bs-' || lpad((i % $1 + 1)::text, 4, '0') || '-inv' || (i / $1 % 10 + 1),
            CASE WHEN i <= $2 / 20 THEN 'rule_' || (i / ($1 * 10)) ELSE 'rule_h' || i END,
            (ARRAY['info', 'warning', 'critical'])[i % 3 + 1],
            CASE WHEN i <= $2 / 20 THEN 'open' ELSE 'resolved' END,
            now() - (i || ' seconds')::interval, now() - (i || ' seconds')::interval,
            CASE WHEN i <= $2 / 20 THEN NULL ELSE now() END, 'bench alert'
       FROM generate_series(1, $2) i`,
    [SITES, ALERTS],
  );
  await pool.query(
    `INSERT INTO window_results (device, window_start, site, window_end, revision, samples, expected, availability, energy_wh,
                                 ac_power_w_mean, state)
     SELECT d.id, date_trunc('minute', now()) - (w * 5 || ' minutes')::interval, d.site_id,
            date_trunc('minute', now()) - ((w - 1) * 5 || ' minutes')::interval, 1, 30, 30, 0.9 + random() / 10, 400, 4000 * random(), '{}'
       FROM devices d, generate_series(1, $1) w WHERE d.site_id LIKE 'bs-%'`,
    [WINDOWS_PER_DEVICE],
  );
  await pool.query('ANALYZE');
}

function p99(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] as number;
}

async function measure(n: number, fn: () => Promise<void>): Promise<{ rps: number; p99: number }> {
  for (let i = 0; i < Math.min(5, n); i++) await fn();
  const lat: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    lat.push(performance.now() - t);
  }
  return { rps: n / ((performance.now() - t0) / 1000), p99: p99(lat) };
}

export const apiBenchmark: Benchmark = {
  group: 'api',
  description: `admin API fleet overview and alert list with ${SITES} sites / ${SITES * DEVICES_PER_SITE} devices / ${ALERTS} alerts, beside a bare pg query of the same rows`,
  async run(): Promise<BenchRow[]> {
    const kind = DATABASE_KINDS.find((k) => k.kind === 'postgres' && k.enabled) ?? DATABASE_KINDS[0];
    if (!kind) throw new Error('no database');
    const db = await kind.open();
    try {
      const t0 = performance.now();
      await seed(db.pool);
      process.stderr.write(`api: seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
      const identity = new IdentityStore(db.pool, { sessionTtlMs: 60_000 });
      const user = await identity.addUser({ email: 'bench@example.com', password: 'bench-password', role: 'admin' });
      const { key } = await identity.createApiKey(user.id, 'bench');
      const app = await buildApp({
        pool: db.pool,
        logger: createLogger('bench', { level: 'silent' }),
        config: {
          bodyLimitBytes: 65_536,
          requestTimeoutMs: 30_000,
          connectionTimeoutMs: 30_000,
          rateLimit: { max: 1_000_000, windowMs: 60_000 },
          sessionTtlMs: 60_000,
          secureCookies: false,
          corsOrigins: [],
          tokenOverlapMs: 0,
          consoleDir: undefined,
          eventPollMs: 1000,
        },
      });
      await app.ready();
      const headers = { authorization: `Bearer ${key}` };
      const get = async (url: string) => {
        const res = await app.inject({ url, headers });
        if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
      };
      const n = kind.kind === 'postgres' ? 60 : 20;
      const fleetApi = await measure(n, () => get('/v1/fleet?limit=50'));
      const fleetPg = await measure(n, async () => {
        await db.pool.query(FLEET_SQL, [null, null, 15 * 60_000]);
      });
      const alertsApi = await measure(n * 2, () => get('/v1/alerts?limit=50&state=unresolved'));
      const alertsPg = await measure(n * 2, async () => {
        await db.pool.query(`SELECT * FROM alerts WHERE state <> 'resolved' ORDER BY since DESC, id DESC LIMIT 51`);
      });
      await app.close();
      const note = `${kind.kind}; sequential app.inject() incl. API-key auth, ${n} requests; ratio = API p99 / pg p99`;
      return [
        {
          group: 'api',
          name: 'GET /v1/fleet p99 (1,000 sites, worst first)',
          value: fleetApi.p99,
          unit: 'ms',
          peer: 'bare pg query (same SQL)',
          peerValue: fleetPg.p99,
          ratio: fleetApi.p99 / fleetPg.p99,
          target: 'p99 < 50 ms',
          met: fleetApi.p99 < 50,
          notes: `${fleetApi.rps.toFixed(1)} req/s vs pg ${fleetPg.rps.toFixed(1)} q/s; ${note}`,
        },
        {
          group: 'api',
          name: 'GET /v1/alerts?state=unresolved p99 (100,000 alerts)',
          value: alertsApi.p99,
          unit: 'ms',
          peer: 'bare pg query (same rows)',
          peerValue: alertsPg.p99,
          ratio: alertsApi.p99 / alertsPg.p99,
          notes: `${alertsApi.rps.toFixed(1)} req/s vs pg ${alertsPg.rps.toFixed(1)} q/s; ${note}`,
        },
      ];
    } finally {
      await db.close();
    }
  },
};
