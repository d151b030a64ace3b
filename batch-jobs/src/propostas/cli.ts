import { readFile, writeFile } from 'node:fs/promises';
import {
  ConfigError,
  commandServices,
  createLogger,
  type CliCommand,
  type CliContext,
  intFlag,
  loadConfigOrExit,
  parseFlags,
} from '@ysh/common';
import type { Pool } from '@ysh/common/db';
import { PROPOSTA_META, PROPOSTA_USAGE } from '../cli/commands-meta.ts';
import { type JobsConfig, loadJobsConfig } from '../config.ts';
import { JobsError } from '../errors.ts';
import { tariffSource } from '../tarifas/lookup.ts';
import { loadPropostasConfig, type PropostasConfig } from './config.ts';
import { makeProposal } from './make.ts';
import { brl, coordinatesSource, pct, place, renderProposalPdf, years } from './pdf.ts';
import type { Proposal } from './proposal.ts';
import { parseQuote } from './quote.ts';
import { acceptProposal, getProposal, listProposals } from './store.ts';

const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);

export function formatSummary(p: Proposal): string {
  const s = p.sizing;
  const k = p.kpis;
  const lines = [
    `proposta ${p.id} — ${p.customer.name} (${p.customer.class}, ${p.quote.distribuidora}/${p.quote.uf}), válida até ${p.validUntil}`,
    `  local        ${place(p)}, coordenadas ${coordinatesSource(p)}`,
    `  sistema      ${s.dcKwp.toFixed(2)} kWp: ${s.moduleCount} × ${s.module.model} + ${s.layout.inverterCount} × ${s.inverter.model}, ${s.layout.strings} string(s) de ${s.layout.modulesPerString}, CC/CA ${s.dcAcRatio.toFixed(2)}`,
    `  verificações ${s.checks.map((c) => `${c.name} margem ${c.margin.toFixed(1)}${c.unit ? ` ${c.unit}` : ''}`).join('; ')}`,
    `  geração      ${p.generation.annualKwh.toFixed(0)} kWh/ano (${p.generation.specificYieldKwhPerKwp.toFixed(0)} kWh/kWp) — fonte: ${p.irradiance.source}`,
    `  consumo      ${p.consumption.annualKwh.toFixed(0)} kWh/ano, disponibilidade ${p.consumption.disponibilidadeKwh} kWh/mês`,
    `  regime       ${p.regime.regime}; Fio B ${p.fioBSchedule.map((f) => `${f.year}: ${(f.share * 100).toFixed(0)}%${f.source === 'assumption' ? ' (premissa)' : ''}`).join(', ')}`,
    `  conta        ${brl(k.billBeforeMonthlyBrl)}/mês → ${brl(k.billAfterMonthlyBrl)}/mês (economia 1º ano ${brl(k.firstYearSavingsBrl)})`,
    `  investimento ${brl(p.capexBrl)}${p.financing === 'cash' ? ' à vista' : ` (entrada ${brl(p.financing.downPaymentBrl ?? 0)} + ${p.financing.months} × ${brl(p.financing.monthlyPaymentBrl ?? 0)})`}`,
    `  TIR ${pct(k.irr)} · VPL a ${(k.discountRate * 100).toFixed(1)} % ${brl(k.npvBrl)} · payback ${years(k.paybackYears)} (descontado ${years(k.discountedPaybackYears)}) · LCOE ${brl(k.lcoeBrlPerKwh)}/kWh`,
    `  versões      modelo ${p.versions.model}, catálogo ${p.versions.catalog}, tarifa ${p.versions.tariff}`,
  ];
  return lines.join('\n');
}

async function withDb<T>(
  context: CliContext | undefined,
  fn: (pool: Pool, config: PropostasConfig, jobs: Readonly<JobsConfig>) => Promise<T>,
): Promise<T> {
  const jobs = loadConfigOrExit(() => loadJobsConfig(process.env), 'proposta');
  const config = loadConfigOrExit(() => loadPropostasConfig(process.env), 'proposta');
  const logger = createLogger('proposta', { level: 'warn', destination: process.stderr });
  const db = await commandServices(context, jobs.common, 'proposta').database({
    logger,
    application: 'ysh-proposta',
    max: 2,
  });
  try {
    return await fn(db.pool, config, jobs);
  } finally {
    await db.close();
  }
}

const subcommands: Record<string, (argv: string[], context: CliContext | undefined) => Promise<void>> = {
  async new(argv, context) {
    const { values } = parseFlags('proposta new', argv, {
      file: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (!values.file) throw new ConfigError('--file', 'a quote JSON file is required (see examples/quote-b1.json)');
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(values.file, 'utf8'));
    } catch (err) {
      throw new ConfigError('--file', `cannot read ${values.file} as JSON: ${(err as Error).message}`);
    }
    const quote = parseQuote(raw);
    const p = await withDb(context, (pool, config, jobs) =>
      makeProposal(pool, quote, {
        config,
        origin: 'cli',
        tariffSource: tariffSource(pool, { taxes: jobs.tariffTaxes }),
        warn: (m) => process.stderr.write(`warning: ${m}\n`),
      }),
    );
    const pdfPath = values.out ?? `proposta-${p.id}.pdf`;
    await writeFile(pdfPath, await renderProposalPdf(p));
    if (values.json) out(JSON.stringify(p, null, 2));
    else out(`${formatSummary(p)}\n  PDF          ${pdfPath}`);
  },
  async list(argv, context) {
    const { values } = parseFlags('proposta list', argv, { limit: { type: 'string' }, json: { type: 'boolean' } });
    const rows = await withDb(context, (pool) => listProposals(pool, intFlag('limit', values.limit, 50, 1, 10_000)));
    if (values.json) {
      out(JSON.stringify(rows, null, 2));
      return;
    }
    out(['ID                          STATUS    CLASS DISTRIBUIDORA  kWp     TIR      PAYBACK  SITE'].join('\n'));
    for (const r of rows)
      out(
        `${r.id.padEnd(27)} ${r.status.padEnd(9)} ${r.customerClass.padEnd(5)} ${r.distribuidora.padEnd(14)} ${r.dcKwp.toFixed(2).padStart(6)}  ${r.irr === null ? '   -    ' : `${(r.irr * 100).toFixed(1).padStart(6)} %`} ${r.paybackYears === null ? '   -   ' : `${r.paybackYears.toFixed(1).padStart(5)} a`}  ${r.siteId ?? '-'}`,
      );
  },
  async show(argv, context) {
    const { values, positionals } = parseFlags('proposta show', argv, { json: { type: 'boolean' } }, true);
    const id = positionals[0];
    if (!id) throw new ConfigError('ID', 'expected a proposal id (see ysh proposta list)');
    const p = await withDb(context, (pool) => getProposal(pool, id));
    out(
      values.json
        ? JSON.stringify(p, null, 2)
        : `${formatSummary(p)}\n  status       ${p.status}${p.siteId ? ` (site ${p.siteId})` : ''}`,
    );
  },
  async pdf(argv, context) {
    const { values, positionals } = parseFlags('proposta pdf', argv, { out: { type: 'string' } }, true);
    const id = positionals[0];
    if (!id) throw new ConfigError('ID', 'expected a proposal id (see ysh proposta list)');
    const p = await withDb(context, (pool) => getProposal(pool, id));
    const path = values.out ?? `proposta-${p.id}.pdf`;
    await writeFile(path, await renderProposalPdf(p));
    out(`wrote ${path}`);
  },
  async accept(argv, context) {
    const { values, positionals } = parseFlags('proposta accept', argv, { site: { type: 'string' } }, true);
    const id = positionals[0];
    if (!id || !values.site) throw new ConfigError('ID/--site', 'expected a proposal id and --site SITE');
    const site = values.site;
    await withDb(context, (pool) => acceptProposal(pool, id, site));
    out(`proposal ${id} accepted, linked to site ${site}`);
  },
};

export const propostaCommand: CliCommand = {
  ...PROPOSTA_META,
  async run(argv, context) {
    const [sub, ...rest] = argv;
    const fn = sub === undefined ? undefined : subcommands[sub];
    if (!fn) {
      process.stderr.write(
        `${sub === undefined ? '' : `ysh proposta: unknown command "${sub}"\n\n`}${PROPOSTA_USAGE}\n`,
      );
      process.exitCode = 2;
      return;
    }
    await fn(rest, context);
  },
};

export { JobsError };
