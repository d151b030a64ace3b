import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createPool, type Pool } from '@ysh/common/db';
import { REPO_ROOT, runProcess, type TempDir, tempDir, waitFor } from '@ysh/test-helpers';
import { SHARED_PLATFORM_WAIT_MS, type SharedPlatform, sharedPlatform } from '@ysh/test-helpers/shared-platform.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * proposal_vs_actual on the running platform: the simulator's inverters polled by the edge agents,
 * through the gateway, Kafka and the stream processor into window_results, compared by the asset
 * with two accepted proposals — the demo one on its 55 kWp site (a healthy site: no alert), and a
 * proposal sized far above what its site can make (below the share: one alert, on that site).
 */
const DEMO = { id: 'demo-b3-site-mg-003', site: 'site-mg-003' };
const OVERSOLD = { id: 'pva-oversold-sp-001', site: 'site-sp-001' };

interface VsRow {
  proposal_id: string;
  month: string;
  site_id: string;
  estimated_kwh: number;
  measured_kwh: number;
  ratio: number;
  below: boolean;
}

let platform: SharedPlatform;
let pool: Pool;
let tmp: TempDir;
let env: NodeJS.ProcessEnv;

async function ysh(args: string[]) {
  const r = await runProcess(args, { env });
  expect(r.code, `ysh ${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
}

/** kWh the site's windows hold now, per month (the asset's own grouping: months in São Paulo time). */
async function measuredNow(site: string): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ month: string; kwh: number }>(
    `SELECT (date_trunc('month', window_start AT TIME ZONE 'America/Sao_Paulo'))::date::text AS month,
            coalesce(sum(energy_wh), 0)::float8 / 1000 AS kwh
       FROM window_results WHERE site = $1 GROUP BY 1`,
    [site],
  );
  return new Map(rows.map((r) => [r.month, r.kwh]));
}

beforeAll(async () => {
  platform = await sharedPlatform();
  pool = createPool(platform.databaseUrl, { max: 2 });
  tmp = await tempDir('ysh-pva-');
  env = { YSH_DATABASE_URL: platform.databaseUrl };
}, SHARED_PLATFORM_WAIT_MS + 30_000);

afterAll(async () => {
  await pool?.end();
  await tmp?.remove();
});

describe('proposal_vs_actual through the running pipeline', () => {
  it('compares real window results with accepted proposals: the healthy site passes, the oversold one opens an alert', async () => {
    // The gold catalog (real CEC products) lets a proposal be sized far beyond the site's 55 kWp.
    await waitFor(
      'the gold catalog and the demo proposal',
      async () => {
        const { rows } = await pool.query<{ n: number; demo: string | null }>(
          `SELECT (SELECT count(*)::int FROM catalog_items WHERE kind = 'inverter') AS n,
                  (SELECT status FROM propostas WHERE id = $1) AS demo`,
          [DEMO.id],
        );
        return (rows[0]?.n ?? 0) > 0 && rows[0]?.demo === 'accepted';
      },
      { timeoutMs: 300_000, intervalMs: 2000 },
    );
    const demo = JSON.parse(await readFile(join(REPO_ROOT, 'examples', 'quote-b3-demo.json'), 'utf8'));
    const quote = {
      ...demo,
      id: OVERSOLD.id,
      customer: { name: 'Atacado Campinas (teste)', class: 'B3' },
      consumption: { averageKwh: 60_000 },
      roof: { ...demo.roof, areaM2: 8000 },
    };
    const file = join(tmp.path, 'oversold.json');
    await writeFile(file, JSON.stringify(quote));
    await ysh(['proposta', 'new', '--file', file, '--out', join(tmp.path, 'oversold.pdf')]);
    await ysh(['proposta', 'accept', OVERSOLD.id, '--site', OVERSOLD.site]);
    const { rows: sized } = await pool.query<{ kwp: number }>(
      `SELECT (result->'sizing'->>'dcKwp')::float8 AS kwp FROM propostas WHERE id = $1`,
      [OVERSOLD.id],
    );
    expect(sized[0]?.kwp).toBeGreaterThan(200);

    // Past the first windows (a device's first window has no energy baseline): a few kWh each.
    await waitFor(
      'a few kWh of window results from both sites',
      async () => {
        const { rows } = await pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM (SELECT site FROM window_results WHERE site = ANY($1)
             GROUP BY site HAVING sum(energy_wh) > 3000) s`,
          [[DEMO.site, OVERSOLD.site]],
        );
        return rows[0]?.n === 2;
      },
      { timeoutMs: 300_000, intervalMs: 2000 },
    );
    const before = { demo: await measuredNow(DEMO.site), oversold: await measuredNow(OVERSOLD.site) };
    // Judge every month whatever its coverage (the platform has run minutes, not a month).
    const config = { proposal_vs_actual: { min_coverage: 0, alert_share: 0.8, alert_channels: ['console'] } };
    await ysh(['jobs', 'materialize', 'proposal_vs_actual', '--config', JSON.stringify(config)]);
    const after = { demo: await measuredNow(DEMO.site), oversold: await measuredNow(OVERSOLD.site) };

    const { rows } = await pool.query<VsRow>(
      `SELECT proposal_id, month::text, site_id, estimated_kwh, measured_kwh, ratio, below
         FROM proposal_vs_actual WHERE proposal_id = ANY($1) ORDER BY proposal_id, month`,
      [[DEMO.id, OVERSOLD.id]],
    );
    for (const [p, key] of [
      [DEMO, 'demo'],
      [OVERSOLD, 'oversold'],
    ] as const) {
      const mine = rows.filter((r) => r.proposal_id === p.id);
      expect(mine.length, p.id).toBeGreaterThan(0);
      for (const r of mine) {
        expect(r.site_id).toBe(p.site);
        // what the asset read lies between what the windows held before and after its run
        expect(r.measured_kwh).toBeGreaterThanOrEqual((before[key].get(r.month) ?? 0) - 1e-9);
        expect(r.measured_kwh).toBeLessThanOrEqual((after[key].get(r.month) ?? 0) + 1e-9);
        expect(r.estimated_kwh).toBeGreaterThan(0);
        expect(r.ratio).toBeCloseTo(r.measured_kwh / r.estimated_kwh, 9);
        expect(r.below).toBe(r.ratio < 0.8);
      }
    }
    const last = (id: string) => rows.filter((r) => r.proposal_id === id && r.measured_kwh > 0).at(-1) as VsRow;
    expect(last(DEMO.id).below, JSON.stringify(last(DEMO.id))).toBe(false);
    expect(last(OVERSOLD.id).below, JSON.stringify(last(OVERSOLD.id))).toBe(true);

    const { rows: alerts } = await pool.query<{ site: string; device: string; state: string; message: string }>(
      `SELECT site, device, state, message FROM alerts WHERE rule = 'proposal_underperformance'`,
    );
    expect(alerts.filter((a) => a.site === DEMO.site)).toEqual([]);
    const mine = alerts.filter((a) => a.device === `proposta:${OVERSOLD.id}`);
    expect(mine).toHaveLength(rows.filter((r) => r.proposal_id === OVERSOLD.id && r.below).length);
    expect(mine[0]).toMatchObject({ site: OVERSOLD.site, state: 'open' });
    expect(mine[0]?.message).toContain(OVERSOLD.id);
  }, 600_000);
});
