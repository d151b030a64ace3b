/**
 * The propostas assets:
 * - `propostas_inbox` (inbox.ts) makes a proposal of each row of the CSV files dropped in the inbox;
 * - `propostas_enriched` recomputes every open proposal when the gold catalog or tariffs change, or
 *   the inbox added proposals (its data version follows theirs; its metadata names the proposals
 *   whose figures changed, so `ysh jobs compare` of two runs shows which proposals a tariff update
 *   moved);
 * - `kpis_b1_b3` — per distribuidora and class: count, kWp, median payback, IRR P10/P50/P90;
 * - `proposal_vs_actual` — for accepted proposals linked to a monitored site, measured monthly
 *   energy (window results) against the estimate prorated by the monitored time, opening an alert
 *   when a month with enough coverage falls below the configured share.
 */
import { Type } from '@sinclair/typebox';
import { applyTransitions } from '@ysh/common/alerts';
import type { Queryable } from '@ysh/common/db';
import { defineAsset } from '../graph/asset.ts';
import { replaceInTransaction } from '../parsing/raw-table.ts';
import { tariffSource } from '../tarifas/lookup.ts';
import { versionHash } from '../versions/data-version.ts';
import { readCatalog } from './catalog-source.ts';
import { EXAMPLE_CATALOG } from './example-catalog.ts';
import { degradationFactor } from './generation.ts';
import { PROPOSTAS_INBOX_ASSET } from './inbox.ts';
import { generateProposal, type Proposal } from './proposal.ts';
import { parseQuote } from './quote.ts';
import { saveProposal } from './store.ts';

export const PROPOSAL_ALERT_RULE = 'proposal_underperformance';

export const propostasEnriched = defineAsset({
  key: 'propostas_enriched',
  layer: 'gold',
  description: 'Every open proposal recomputed with the current gold catalog and tariffs',
  deps: ['catalog_items', 'tarifas_gold', PROPOSTAS_INBOX_ASSET],
  codeVersion: '1',
  async materialize(ctx) {
    const { rows } = await ctx.db.query<{ id: string; origin: string; result: Proposal }>(
      `SELECT id, origin, result FROM propostas WHERE status = 'open' ORDER BY id`,
    );
    let { items, version } = await readCatalog(ctx.db);
    if (!items.some((i) => i.kind === 'module') || !items.some((i) => i.kind === 'inverter')) {
      ctx.log.warn('catalog_items has no modules or inverters: recomputing with the EXAMPLE catalog');
      items = EXAMPLE_CATALOG;
      version = 'exemplo-1';
    }
    const catalogVersion = ctx.upstream.catalog_items?.dataVersion ?? version;
    const tariffVersion = ctx.upstream.tarifas_gold?.dataVersion;
    const source = tariffSource(ctx.db);
    const changed: string[] = [];
    const failed: Array<{ id: string; error: string }> = [];
    const figures: unknown[] = [];
    for (const [i, r] of rows.entries()) {
      ctx.progress(i, rows.length);
      try {
        const q = parseQuote(r.result.quote);
        const p = await generateProposal(q, {
          catalog: items,
          catalogVersion,
          tariffSource: source,
          tariffVersion,
          irradiance: r.result.irradianceInput,
          today: r.result.createdOn,
        });
        const before = [r.result.kpis.npvBrl, r.result.kpis.irr, r.result.sizing.dcKwp];
        const after = [p.kpis.npvBrl, p.kpis.irr, p.sizing.dcKwp];
        if (JSON.stringify(before) !== JSON.stringify(after)) changed.push(r.id);
        await saveProposal(ctx.db, p, r.origin);
        figures.push([p.id, after, p.versions]);
      } catch (err) {
        failed.push({ id: r.id, error: (err as Error).message });
        ctx.log.warn(`proposal ${r.id} not recomputed: ${(err as Error).message}`);
      }
    }
    return {
      rowCount: rows.length - failed.length,
      fingerprint: versionHash('propostas_enriched', figures),
      metadata: { recomputed: rows.length - failed.length, changed, failed },
    };
  },
});

export const kpisB1B3 = defineAsset({
  key: 'kpis_b1_b3',
  layer: 'gold',
  description: 'Propostas B1/B3 analytics: count, kWp, median payback and IRR distribution per distribuidora and class',
  deps: ['propostas_enriched'],
  codeVersion: '1',
  async materialize(ctx) {
    // one transaction: readers see the old or the new figures (a DELETE in a WITH beside the INSERT
    // is not seen by it, so the second run hit the primary key)
    await replaceInTransaction(ctx.db, async (c) => {
      await c.query('DELETE FROM propostas_kpis');
      await c.query(
        `INSERT INTO propostas_kpis (distribuidora, customer_class, proposals, total_kwp, median_payback, irr_p10, irr_p50, irr_p90, no_irr)
       SELECT distribuidora, customer_class, count(*)::int, sum(dc_kwp),
              percentile_cont(0.5) WITHIN GROUP (ORDER BY payback_years),
              percentile_cont(0.1) WITHIN GROUP (ORDER BY irr),
              percentile_cont(0.5) WITHIN GROUP (ORDER BY irr),
              percentile_cont(0.9) WITHIN GROUP (ORDER BY irr),
              count(*) FILTER (WHERE irr IS NULL)::int
       FROM propostas WHERE status IN ('open', 'accepted') GROUP BY 1, 2`,
      );
    });
    const { rows } = await ctx.db.query<{ n: number; fp: string | null }>(
      `SELECT count(*)::int AS n, md5(string_agg(concat_ws('|', distribuidora, customer_class, proposals, total_kwp,
         median_payback, irr_p10, irr_p50, irr_p90, no_irr), ',' ORDER BY distribuidora, customer_class)) AS fp FROM propostas_kpis`,
    );
    return { rowCount: rows[0]?.n ?? 0, fingerprint: versionHash('kpis_b1_b3', rows[0]?.fp ?? null) };
  },
});

const VsActualConfig = Type.Object(
  {
    alert_share: Type.Number({ minimum: 0, maximum: 1 }),
    min_coverage: Type.Number({ minimum: 0, maximum: 1 }),
    alert_channels: Type.Array(Type.String()),
  },
  { additionalProperties: false },
);

interface MonthRow {
  month: Date;
  measured_kwh: number;
  covered_h: number;
  hours: number;
  last_end: Date;
}

function assumption(p: Proposal, key: string, fallback: number): number {
  const v = p.assumptions.find((a) => a.key === key)?.value;
  return typeof v === 'number' ? v : fallback;
}

async function siteMonths(db: Queryable, site: string): Promise<MonthRow[]> {
  const { rows } = await db.query<MonthRow>(
    `SELECT (date_trunc('month', window_start AT TIME ZONE 'America/Sao_Paulo'))::date AS month,
            coalesce(sum(energy_wh), 0)::float8 / 1000 AS measured_kwh,
            sum(extract(epoch FROM (window_end - window_start)) * availability)::float8 / 3600 AS covered_h,
            (extract(epoch FROM (date_trunc('month', min(window_start) AT TIME ZONE 'America/Sao_Paulo') + interval '1 month'
              - date_trunc('month', min(window_start) AT TIME ZONE 'America/Sao_Paulo'))) / 3600)::float8 AS hours,
            max(window_end) AS last_end
     FROM window_results WHERE site = $1 GROUP BY 1 ORDER BY 1`,
    [site],
  );
  return rows;
}

export const proposalVsActual = defineAsset({
  key: 'proposal_vs_actual',
  layer: 'gold',
  description: "Measured monthly energy of each accepted proposal's site against the proposal's estimate",
  deps: ['propostas_enriched'],
  codeVersion: '1',
  config: { schema: VsActualConfig, defaults: { alert_share: 0.8, min_coverage: 0.9, alert_channels: ['console'] } },
  schedule: { cron: '30 6 * * *' },
  async observe(ctx) {
    const { rows } = await ctx.db.query<{ v: string | null }>(
      `SELECT max(updated_at)::text || ':' || count(*) AS v FROM window_results
       WHERE site IN (SELECT site_id FROM propostas WHERE status = 'accepted' AND site_id IS NOT NULL)`,
    );
    return rows[0]?.v ?? 'none';
  },
  async materialize(ctx) {
    const { rows: accepted } = await ctx.db.query<{ id: string; site_id: string; result: Proposal }>(
      `SELECT id, site_id, result FROM propostas WHERE status = 'accepted' AND site_id IS NOT NULL ORDER BY id`,
    );
    const out: unknown[] = [];
    let below = 0;
    let opened = 0;
    await ctx.db.query(
      `DELETE FROM proposal_vs_actual WHERE proposal_id NOT IN (SELECT id FROM propostas WHERE status = 'accepted')`,
    );
    for (const a of accepted) {
      const p = a.result;
      const start = p.quote.startMonth ?? p.firstYearBills[0]?.month ?? p.createdOn.slice(0, 7);
      const [sy, sm] = start.split('-').map(Number) as [number, number];
      for (const m of await siteMonths(ctx.db, a.site_id)) {
        const month = m.month instanceof Date ? m.month.toISOString().slice(0, 10) : String(m.month).slice(0, 10);
        const y = Number(month.slice(0, 4));
        const mo = Number(month.slice(5, 7));
        const operatingYear = Math.max(1, Math.floor((y * 12 + mo - (sy * 12 + sm)) / 12) + 1);
        const full =
          (p.generation.monthlyKwh[mo - 1] as number) *
          degradationFactor(
            operatingYear,
            assumption(p, 'degradationFirstYear', 0),
            assumption(p, 'degradationYearly', 0.005),
          );
        const coverage = Math.min(1, m.covered_h / m.hours);
        const estimated = full * coverage;
        const ratio = estimated > 0 ? m.measured_kwh / estimated : 0;
        const isBelow = coverage >= ctx.config.min_coverage && ratio < ctx.config.alert_share;
        await ctx.db.query(
          `INSERT INTO proposal_vs_actual (proposal_id, month, site_id, estimated_kwh, measured_kwh, ratio, below)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (proposal_id, month) DO UPDATE SET site_id = EXCLUDED.site_id, estimated_kwh = EXCLUDED.estimated_kwh,
             measured_kwh = EXCLUDED.measured_kwh, ratio = EXCLUDED.ratio, below = EXCLUDED.below`,
          [a.id, month, a.site_id, estimated, m.measured_kwh, ratio, isBelow],
        );
        out.push([a.id, month, Math.round(m.measured_kwh * 1000), Math.round(estimated * 1000)]);
        if (isBelow) {
          below++;
          const at = new Date(m.last_end).getTime();
          const r = await applyTransitions(
            ctx.db,
            [
              {
                type: 'open',
                id: `propostas:${PROPOSAL_ALERT_RULE}:${a.id}:${month.slice(0, 7)}`,
                site: a.site_id,
                device: `proposta:${a.id}`,
                rule: PROPOSAL_ALERT_RULE,
                severity: 'warning',
                since: Date.parse(`${month}T03:00:00Z`),
                at,
                value: ratio,
                threshold: ctx.config.alert_share,
                message: `${a.site_id} produced ${m.measured_kwh.toFixed(1)} kWh in ${month.slice(0, 7)}, ${(ratio * 100).toFixed(0)} % of the ${estimated.toFixed(1)} kWh proposal ${a.id} estimated for the monitored time (alert below ${(ctx.config.alert_share * 100).toFixed(0)} %)`,
              },
            ],
            ctx.config.alert_channels,
          );
          opened += r.opened;
        }
      }
    }
    return {
      rowCount: out.length,
      fingerprint: versionHash('proposal_vs_actual', out),
      metadata: { proposals: accepted.length, months: out.length, below, alertsOpened: opened },
    };
  },
});

export const propostasAssets = [propostasEnriched, kpisB1B3, proposalVsActual];
