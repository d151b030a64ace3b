/** Proposals in PostgreSQL (migration 0320): the quote, the whole result and the figures analytics read. */
import type { Queryable } from '@ysh/common/db';
import type { ProposalSummary } from '@ysh/common/domain';
import { JobsError } from '../errors.ts';
import type { Proposal } from './proposal.ts';

/** A stored proposal's list row: the summary the admin API serves (`@ysh/common/domain`). */
export type ProposalRow = ProposalSummary;

export async function saveProposal(db: Queryable, p: Proposal, origin: string): Promise<void> {
  await db.query(
    `INSERT INTO propostas (id, origin, customer_class, distribuidora, uf, quote, result, dc_kwp, annual_kwh, capex_brl, irr,
       npv_brl, payback_years, lcoe_brl_per_kwh, regime, irradiance_source, model_version, catalog_version, tariff_version)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19)
     ON CONFLICT (id) DO UPDATE SET quote = EXCLUDED.quote, result = EXCLUDED.result, dc_kwp = EXCLUDED.dc_kwp,
       annual_kwh = EXCLUDED.annual_kwh, capex_brl = EXCLUDED.capex_brl, irr = EXCLUDED.irr, npv_brl = EXCLUDED.npv_brl,
       payback_years = EXCLUDED.payback_years, lcoe_brl_per_kwh = EXCLUDED.lcoe_brl_per_kwh, regime = EXCLUDED.regime,
       irradiance_source = EXCLUDED.irradiance_source, model_version = EXCLUDED.model_version,
       catalog_version = EXCLUDED.catalog_version, tariff_version = EXCLUDED.tariff_version,
       customer_class = EXCLUDED.customer_class, distribuidora = EXCLUDED.distribuidora, uf = EXCLUDED.uf, computed_at = now()`,
    [
      p.id,
      origin,
      p.customer.class,
      p.quote.distribuidora,
      p.quote.uf,
      JSON.stringify(p.quote),
      JSON.stringify(p),
      p.sizing.dcKwp,
      p.generation.annualKwh,
      p.capexBrl,
      p.kpis.irr,
      p.kpis.npvBrl,
      p.kpis.paybackYears,
      p.kpis.lcoeBrlPerKwh,
      p.regime.regime,
      p.irradiance.source,
      p.versions.model,
      p.versions.catalog,
      p.versions.tariff,
    ],
  );
}

export async function getProposal(
  db: Queryable,
  id: string,
): Promise<Proposal & { status: string; siteId: string | null }> {
  const { rows } = await db.query<{ result: Proposal; status: string; site_id: string | null }>(
    'SELECT result, status, site_id FROM propostas WHERE id = $1',
    [id],
  );
  const r = rows[0];
  if (!r) throw new JobsError('JOBS_PROPOSAL_NOT_FOUND', `no proposal ${id}`);
  return { ...r.result, status: r.status, siteId: r.site_id };
}

export interface ProposalListOptions {
  /** the (createdAt, id) of the last row of the previous page */
  after?: { createdAt: string; id: string };
  /** only proposals linked to one of these sites or to none; null/absent = all */
  sites?: readonly string[] | null;
}

/** Proposals newest first (to the millisecond the cursor carries; ties by id), `limit` of them, after a cursor and within a site scope when given. */
export async function listProposals(db: Queryable, limit = 50, o: ProposalListOptions = {}): Promise<ProposalRow[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT id, status, origin, customer_class, distribuidora, dc_kwp, annual_kwh, irr, npv_brl::float8 AS npv_brl,
            payback_years, site_id, catalog_version, tariff_version, created_at
     FROM propostas
     WHERE ($2::timestamptz IS NULL OR date_trunc('milliseconds', created_at) < $2
            OR (date_trunc('milliseconds', created_at) = $2 AND id > $3))
       AND ($4::text[] IS NULL OR site_id IS NULL OR site_id = ANY($4))
     ORDER BY date_trunc('milliseconds', created_at) DESC, id LIMIT $1`,
    [limit, o.after?.createdAt ?? null, o.after?.id ?? null, o.sites ? [...o.sites] : null],
  );
  return rows.map((r) => ({
    id: r.id as string,
    status: r.status as string,
    origin: r.origin as string,
    customerClass: r.customer_class as string,
    distribuidora: r.distribuidora as string,
    dcKwp: r.dc_kwp as number,
    annualKwh: r.annual_kwh as number,
    irr: r.irr as number | null,
    npvBrl: r.npv_brl as number,
    paybackYears: r.payback_years as number | null,
    siteId: r.site_id as string | null,
    catalogVersion: r.catalog_version as string,
    tariffVersion: r.tariff_version as string,
    createdAt: new Date(r.created_at as string).toISOString(),
  }));
}

/** The customer accepted: the proposal is linked to the site that will be monitored. */
export async function acceptProposal(db: Queryable, id: string, siteId: string): Promise<void> {
  const { rowCount } = await db.query(`UPDATE propostas SET status = 'accepted', site_id = $2 WHERE id = $1`, [
    id,
    siteId,
  ]);
  if (!rowCount) throw new JobsError('JOBS_PROPOSAL_NOT_FOUND', `no proposal ${id}`);
}
