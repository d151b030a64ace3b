import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { realTestDatabase, type TempDir, type TestDatabase, tempDir, testDatabase } from '@ysh/test-helpers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineAsset } from '../graph/asset.ts';
import { tariffSource } from '../tarifas/lookup.ts';
import { TestEngine } from '../testing/harness.ts';
import { kpisB1B3, PROPOSAL_ALERT_RULE, proposalVsActual, propostasEnriched } from './assets.ts';
import { EXAMPLE_CATALOG } from './example-catalog.ts';
import { propostasInbox } from './inbox.ts';
import { fleetSpecificYield } from './irradiance.ts';
import { makeProposal } from './make.ts';
import { parseQuote } from './quote.ts';
import { acceptProposal, getProposal } from './store.ts';

const example = JSON.parse(readFileSync(new URL('../../../examples/quote-b1.json', import.meta.url), 'utf8'));
const { tariff: _t, bandeirasBrlPerKwh: _b, ...lookupQuote } = example;
const config = {
  nasaPowerUrl: 'http://127.0.0.1:1/',
  nasaPowerRetries: 0,
  fleetRadiusKm: 50,
  geocoderUrl: 'http://127.0.0.1:1/search',
  geocoderUserAgent: 'ysh-test/1',
  geocoderRetries: 0,
};

/** Upstream stand-ins that write what the real catalog and tariff assets write: rows in their gold tables. */
let tusd = 0.47;
const catalogItems = defineAsset({
  key: 'catalog_items',
  layer: 'gold',
  deps: [],
  codeVersion: '1',
  async materialize(ctx) {
    for (const i of EXAMPLE_CATALOG)
      await ctx.db.query(
        `INSERT INTO catalog_items (sku, kind, brand, model, specs, price_brl, sources, data_version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'cat-1') ON CONFLICT (sku) DO NOTHING`,
        [i.sku, i.kind, i.brand, i.model, JSON.stringify(i.specs), i.priceBrl, i.sources],
      );
    return { rowCount: EXAMPLE_CATALOG.length, fingerprint: 'cat-1' };
  },
});
const tarifasGold = defineAsset({
  key: 'tarifas_gold',
  layer: 'gold',
  deps: [],
  codeVersion: '1',
  observe: async () => String(tusd),
  async materialize(ctx) {
    await ctx.db.query('DELETE FROM tarifas_gold');
    await ctx.db.query(
      `INSERT INTO tarifas_gold (distribuidora, subgrupo, modalidade, classe, subclasse, vigencia_start, reh, te_brl_kwh,
         tusd_brl_kwh, tusd_fio_b_brl_kwh, normalized_id, layout, source_file, line, source_hash)
       VALUES ('CEMIG-D', 'B1', 'Convencional', 'Residencial', 'Residencial', '2026-05-28', 'REH 0.000/2026 (teste)', 0.31,
         $1, 0.26, 1, 'test', 'tarifas-teste.csv', 7, $2)`,
      [tusd, `h-${tusd}`],
    );
    return { rowCount: 1, fingerprint: `tariff-${tusd}` };
  },
});

describe('propostas assets', () => {
  let db: TestDatabase;
  let engine: TestEngine;
  let inbox: TempDir;
  beforeAll(async () => {
    db = (await realTestDatabase()) ?? (await testDatabase());
    inbox = await tempDir('ysh-propostas-assets-');
    engine = new TestEngine(db.url, [
      catalogItems,
      tarifasGold,
      propostasInbox({ dir: inbox.path, config }),
      propostasEnriched,
      kpisB1B3,
      proposalVsActual,
    ]);
    await engine.startWorker();
    await engine.runAndWait({ assets: ['catalog_items', 'tarifas_gold', 'propostas_inbox'] });
  }, 120_000);
  afterAll(async () => {
    await engine?.close();
    await db?.close();
    await inbox?.remove();
  });

  it('a tariff update recomputes open proposals and names those that changed', async () => {
    const p = await makeProposal(db.pool, parseQuote({ ...lookupQuote, id: 'b1-lookup' }), {
      config,
      origin: 'test',
      tariffSource: tariffSource(db.pool),
      today: '2026-12-01',
    });
    await makeProposal(db.pool, parseQuote({ ...example, id: 'b1-given' }), {
      config,
      origin: 'test',
      today: '2026-12-01',
    });
    expect(p.tariff.provenance).toContain('REH 0.000/2026');
    const npvBefore = p.kpis.npvBrl;

    tusd = 0.55; // a new tariff
    const { steps } = await engine.runAndWait({ assets: ['tarifas_gold', 'propostas_enriched'] });
    expect(steps.map((s) => [s.asset_key, s.status])).toEqual([
      ['tarifas_gold', 'succeeded'],
      ['propostas_enriched', 'succeeded'],
    ]);
    const { rows } = await db.pool.query<{ metadata: { changed: string[]; recomputed: number } }>(
      `SELECT metadata FROM asset_materializations WHERE asset_key = 'propostas_enriched' ORDER BY id DESC LIMIT 1`,
    );
    // the proposal priced by the lookup moved; the one with its own tariff did not
    expect(rows[0]?.metadata.recomputed).toBe(2);
    expect(rows[0]?.metadata.changed).toEqual(['b1-lookup']);
    const after = await getProposal(db.pool, 'b1-lookup');
    expect(after.kpis.npvBrl).toBeGreaterThan(npvBefore);
    expect(after.versions.catalog).not.toBe('exemplo-1');
    expect(after.versions.tariff).not.toBe(p.versions.tariff);
  }, 120_000);

  it('kpis_b1_b3 aggregates per distribuidora and class', async () => {
    await engine.runAndWait({ assets: ['kpis_b1_b3'] });
    const { rows } = await db.pool.query(
      'SELECT distribuidora, customer_class, proposals, total_kwp, median_payback, irr_p50 FROM propostas_kpis',
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ distribuidora: 'CEMIG-D', customer_class: 'B1', proposals: 2 });
    const { rows: ps } = await db.pool.query<{ payback_years: number }>(
      'SELECT payback_years FROM propostas ORDER BY payback_years',
    );
    expect(rows[0].median_payback).toBeCloseTo((ps[0]!.payback_years + ps[1]!.payback_years) / 2, 9);
  }, 120_000);

  it('proposal_vs_actual opens an alert for a month measured below the share of the estimate', async () => {
    await db.pool.query(`INSERT INTO sites (id, latitude, longitude) VALUES ('site-bh', -19.92, -43.94)`);
    await db.pool.query(`INSERT INTO devices (site_id, id, nameplate_dc_wp) VALUES ('site-bh', 'inv-bh-1', 3300)`);
    await acceptProposal(db.pool, 'b1-given', 'site-bh');
    const p = await getProposal(db.pool, 'b1-given');
    // March 2027 (first operating month), hourly windows for the whole month; the site makes half the estimate
    const estimate = p.generation.monthlyKwh[2] as number;
    const hours = 31 * 24;
    const perHourWh = (estimate * 0.5 * 1000) / hours;
    await db.pool.query(
      `INSERT INTO window_results (device, window_start, site, window_end, revision, samples, expected, availability, energy_wh, state)
       SELECT 'inv-bh-1', t, 'site-bh', t + interval '1 hour', 1, 360, 360, 1, $1, '{}'
       FROM generate_series(timestamptz '2027-03-01 03:00:00+00', timestamptz '2027-04-01 02:00:00+00', interval '1 hour') AS t`,
      [perHourWh],
    );
    const { steps } = await engine.runAndWait({ assets: ['proposal_vs_actual'] });
    expect(steps[0]?.status).toBe('succeeded');
    const { rows } = await db.pool.query<{
      month: string;
      estimated_kwh: number;
      measured_kwh: number;
      ratio: number;
      below: boolean;
    }>(
      `SELECT month::text, estimated_kwh, measured_kwh, ratio, below FROM proposal_vs_actual WHERE proposal_id = 'b1-given'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.month).toBe('2027-03-01');
    expect(rows[0]?.estimated_kwh).toBeCloseTo(estimate, 6);
    expect(rows[0]?.ratio).toBeCloseTo(0.5, 6);
    expect(rows[0]?.below).toBe(true);
    const { rows: alerts } = await db.pool.query<{ site: string; rule: string; state: string; message: string }>(
      `SELECT site, rule, state, message FROM alerts WHERE rule = $1`,
      [PROPOSAL_ALERT_RULE],
    );
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ site: 'site-bh', state: 'open' });
    expect(alerts[0]?.message).toContain('50 %');

    // measured at the estimate: no new alert, the month is not below
    await db.pool.query(
      `UPDATE window_results SET energy_wh = energy_wh * 2, revision = revision + 1, updated_at = now() WHERE site = 'site-bh'`,
    );
    await engine.runAndWait({ assets: ['proposal_vs_actual'] });
    const { rows: again } = await db.pool.query<{ ratio: number; below: boolean }>(
      `SELECT ratio, below FROM proposal_vs_actual WHERE proposal_id = 'b1-given'`,
    );
    expect(again[0]?.ratio).toBeCloseTo(1, 6);
    expect(again[0]?.below).toBe(false);
  }, 120_000);

  it('fleet source: measured specific yield per calendar month of monitored sites nearby', async () => {
    // two sites 10 km apart near Montes Claros, one far away (ignored); daily windows over 2026
    await db.pool.query(
      `INSERT INTO sites (id, latitude, longitude) VALUES ('mc-1', -16.73, -43.86), ('mc-2', -16.80, -43.92), ('far', -3.1, -60.0)`,
    );
    await db.pool.query(
      `INSERT INTO devices (site_id, id, nameplate_dc_wp) VALUES ('mc-1', 'mc-1-a', 4000), ('mc-1', 'mc-1-b', 6000), ('mc-2', 'mc-2-a', 5000), ('far', 'far-a', 5000)`,
    );
    // mc-1: 5 kWh/kWp/day over 10 kWp (split between its inverters); mc-2: 4 kWh/kWp/day; far: 1
    await db.pool.query(
      `INSERT INTO window_results (device, window_start, site, window_end, revision, samples, expected, availability, energy_wh, state)
       SELECT d.id, t, d.site_id, t + interval '1 day', 1, 1, 1, 1, d.nameplate_dc_wp / 1000 * k.kwh * 1000, '{}'
       FROM devices d JOIN (VALUES ('mc-1', 5.0), ('mc-2', 4.0), ('far', 1.0)) AS k(site, kwh) ON k.site = d.site_id,
            generate_series(timestamptz '2026-01-01 03:00:00+00', timestamptz '2026-12-31 03:00:00+00', interval '1 day') AS t`,
    );
    const r = await fleetSpecificYield(db.pool, -16.75, -43.88, 30);
    expect(r.kind).toBe('specific-yield');
    if (r.kind !== 'specific-yield') return;
    // January: mean of 31·5 and 31·4 kWh/kWp; June: 30·4.5
    expect(r.kwhPerKwp[0]).toBeCloseTo(31 * 4.5, 9);
    expect(r.kwhPerKwp[5]).toBeCloseTo(30 * 4.5, 9);
    expect(r.detail).toMatchObject({ sites: 2 });
    await expect(fleetSpecificYield(db.pool, -30, -51, 30)).rejects.toMatchObject({
      code: 'JOBS_IRRADIANCE_UNAVAILABLE',
    });
  }, 60_000);

  it('a quote CSV in the inbox becomes a proposal, and the proposals downstream follow it', async () => {
    expect(propostasEnriched.deps).toContain('propostas_inbox');
    // near the monitored sites of the fleet test: the fleet's measured yield, no outside service
    await writeFile(
      join(inbox.path, 'vendas.csv'),
      'id;cliente;classe;distribuidora;uf;lat;lon;ligacao;consumo_medio;inclinacao;azimute;area_m2;preco_wp;irradiacao\n' +
        'inbox-mc;Lia Teste;B1;CEMIG-D;MG;-16,75;-43,88;bi;420;20;0;40;3,1;frota\n',
    );
    const { steps } = await engine.runAndWait({ assets: ['propostas_inbox'], downstream: true });
    expect(Object.fromEntries(steps.map((st) => [st.asset_key, st.status]))).toEqual({
      propostas_inbox: 'succeeded',
      propostas_enriched: 'succeeded',
      kpis_b1_b3: 'succeeded',
      proposal_vs_actual: 'succeeded',
    });
    const p = await getProposal(db.pool, 'inbox-mc');
    expect(p.irradiance.source).toContain('fleet');
    const { rows } = await db.pool.query(
      `SELECT proposals FROM propostas_kpis WHERE distribuidora = 'CEMIG-D' AND customer_class = 'B1'`,
    );
    expect(rows).toEqual([{ proposals: 3 }]);
  }, 120_000);
});
