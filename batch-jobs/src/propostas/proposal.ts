/**
 * A proposal from a quote: size the system, estimate monthly generation, bill 25 years month by
 * month under Lei 14.300, and price it (IRR, NPV, paybacks, LCOE). Pure given its dependencies
 * (catalog rows, a tariff source, the resolved irradiation), so the asset, the CLI and the tests
 * compute the same thing. Every assumption used is returned with its value and its source.
 */
import type { CatalogItem } from '../catalog/catalog-item.ts';
import type { TariffQuote, TariffSource } from '../tarifas/tariff-quote.ts';
import { JobsError } from '../errors.ts';
import { irr, npv, payback, pmt } from './finance.ts';
import {
  DAYS_IN_MONTH,
  degradationFactor,
  type GenerationMonth,
  type LossItems,
  monthlyGeneration,
  PVWATTS_LOSSES,
  totalLoss,
} from './generation.ts';
import type { Irradiance } from './irradiance.ts';
import {
  type BillMonth,
  DISPONIBILIDADE_KWH,
  FIO_B_SCHEDULE,
  FIO_B_SCHEDULE_STATUS,
  fioBShare,
  regimeFor,
  round2,
  simulateBills,
} from './lei-14300.ts';
import { monthlyConsumption, type Quote, quoteCoordinates } from './quote.ts';
import { type SizingResult, sizeSystem } from './sizing.ts';

export const PROPOSAL_MODEL_VERSION = '1';
export const YEARS = 25;

export interface Assumption {
  key: string;
  value: unknown;
  source: string;
}

export interface ProposalDeps {
  catalog: CatalogItem[];
  /** data version of the catalog asset the rows came from */
  catalogVersion: string;
  tariffSource?: TariffSource;
  tariffVersion?: string;
  irradiance: Irradiance;
  /** ISO date the proposal is made (validity and default dates count from it) */
  today: string;
}

export interface YearFlow {
  year: number;
  generationKwh: number;
  billBeforeBrl: number;
  billAfterBrl: number;
  savingsBrl: number;
  omBrl: number;
  replacementBrl: number;
  financingBrl: number;
  cashFlowBrl: number;
  cumulativeBrl: number;
}

export interface Proposal {
  id: string;
  modelVersion: string;
  createdOn: string;
  validUntil: string;
  quote: Quote;
  customer: Quote['customer'];
  regime: ReturnType<typeof regimeFor>;
  sizing: SizingResult;
  irradiance: { source: string; kind: Irradiance['kind']; detail: Record<string, unknown> };
  /** the irradiation as resolved, so a recomputation (new tariff or catalog) does not ask the source again */
  irradianceInput: Irradiance;
  generation: {
    monthlyKwh: number[];
    annualKwh: number;
    specificYieldKwhPerKwp: number;
    months: GenerationMonth[] | null;
  };
  consumption: { monthlyKwh: number[]; annualKwh: number; disponibilidadeKwh: number };
  tariff: {
    teBrlPerKwh: number;
    tusdBrlPerKwh: number;
    tusdFioBBrlPerKwh: number;
    taxes: { icms: number; pis: number; cofins: number };
    bandeirasBrlPerKwh: number[];
    provenance: string;
  };
  fioBSchedule: Array<{ year: number; share: number; source: string }>;
  firstYearBills: BillMonth[];
  capexBrl: number;
  financing: Quote['financing'] & { monthlyPaymentBrl?: number };
  years: YearFlow[];
  kpis: {
    irr: number | null;
    npvBrl: number;
    discountRate: number;
    paybackYears: number | null;
    discountedPaybackYears: number | null;
    lcoeBrlPerKwh: number;
    billBeforeMonthlyBrl: number;
    billAfterMonthlyBrl: number;
    firstYearSavingsBrl: number;
  };
  assumptions: Assumption[];
  versions: { model: string; catalog: string; tariff: string };
}

const addMonths = (ym: string, n: number) => {
  const [y, m] = ym.split('-').map(Number) as [number, number];
  const t = y * 12 + (m - 1) + n;
  return `${Math.floor(t / 12)}-${String((t % 12) + 1).padStart(2, '0')}`;
};
const addDays = (iso: string, n: number) =>
  new Date(Date.parse(`${iso}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

async function resolveTariff(
  q: Quote,
  deps: ProposalDeps,
  a: (k: string, v: unknown, s: string) => void,
): Promise<Proposal['tariff'] & { version: string }> {
  const bandeiraGiven = q.bandeirasBrlPerKwh;
  if (q.tariff) {
    a('tariff', q.tariff, `given with the quote: ${q.tariff.label}`);
    const bandeiras = bandeiraGiven ?? Array(12).fill(0);
    a('bandeiras', bandeiras, bandeiraGiven ? 'given with the quote' : 'assumption: bandeira verde every month');
    return {
      teBrlPerKwh: q.tariff.teBrlPerKwh,
      tusdBrlPerKwh: q.tariff.tusdBrlPerKwh,
      tusdFioBBrlPerKwh: q.tariff.tusdFioBBrlPerKwh,
      taxes: { icms: q.tariff.icms, pis: q.tariff.pis, cofins: q.tariff.cofins },
      bandeirasBrlPerKwh: bandeiras,
      provenance: `quote: ${q.tariff.label}`,
      version: 'quote',
    };
  }
  if (!deps.tariffSource)
    throw new JobsError(
      'JOBS_QUOTE_INVALID',
      'invalid quote:\n  /tariff: no tariff given and no tariff lookup available',
      {
        details: { errors: ['/tariff: no tariff given and no tariff lookup available'] },
      },
    );
  const t: TariffQuote = await deps.tariffSource({
    distribuidora: q.distribuidora,
    subgrupo: q.customer.class,
    modalidade: 'Convencional',
    classe: q.customer.class === 'B1' ? 'Residencial' : 'Comercial',
    date: deps.today,
  });
  let fioB = t.tusdFioBBrlPerKwh;
  if (fioB === null) {
    const share = q.assumptions?.fioBShareOfTusd;
    if (share === undefined)
      throw new JobsError(
        'JOBS_QUOTE_INVALID',
        `invalid quote:\n  /assumptions/fioBShareOfTusd: the tariff of ${t.distribuidora} has no TUSD Fio B component; state the share of TUSD to assume`,
        { details: { errors: ['/assumptions/fioBShareOfTusd: required when the tariff has no Fio B component'] } },
      );
    fioB = t.tusdBrlPerKwh * share;
    a('fioBShareOfTusd', share, 'assumption given with the quote (the tariff source has no Fio B)');
  }
  const bandeiras = bandeiraGiven ?? Array(12).fill(t.bandeira?.addBrlPerKwh ?? 0);
  a(
    'bandeiras',
    bandeiras,
    bandeiraGiven
      ? 'given with the quote'
      : `assumption: bandeira ${t.bandeira?.name ?? 'verde'} (${t.bandeira?.competencia ?? 'sem competência'}) every month`,
  );
  const provenance = `${t.provenance.reh} (${t.provenance.file}:${t.provenance.line}, vigência ${t.vigenciaStart})`;
  a('tariff', { te: t.teBrlPerKwh, tusd: t.tusdBrlPerKwh, fioB }, `gold tariff lookup: ${provenance}`);
  return {
    teBrlPerKwh: t.teBrlPerKwh,
    tusdBrlPerKwh: t.tusdBrlPerKwh,
    tusdFioBBrlPerKwh: fioB,
    taxes: t.taxes,
    bandeirasBrlPerKwh: bandeiras,
    provenance,
    version: deps.tariffVersion ?? t.provenance.sourceHash,
  };
}

export async function generateProposal(q: Quote, deps: ProposalDeps): Promise<Proposal> {
  const assumptions: Assumption[] = [];
  const a = (key: string, value: unknown, source: string) => assumptions.push({ key, value, source });
  const opt = q.assumptions ?? {};
  const pick = <T>(key: string, given: T | undefined, dflt: T, why: string): T => {
    a(key, given ?? dflt, given === undefined ? `default: ${why}` : 'given with the quote');
    return given ?? dflt;
  };

  const consumption = monthlyConsumption(q);
  if (!('monthlyKwh' in q.consumption))
    a('consumption', consumption, 'average given with the quote, the same every month');
  const disponibilidade = DISPONIBILIDADE_KWH[q.connection];
  const accessDate = q.accessRequestDate ?? deps.today;
  const regime = regimeFor(accessDate);
  a('accessRequestDate', accessDate, q.accessRequestDate ? 'given with the quote' : 'default: the proposal date');
  const startMonth = q.startMonth ?? addMonths(deps.today.slice(0, 7), 3);
  a(
    'startMonth',
    startMonth,
    q.startMonth ? 'given with the quote' : 'default: three months after the proposal (homologação and installation)',
  );

  const selfShare = pick(
    'selfConsumptionShare',
    opt.selfConsumptionShare,
    q.customer.class === 'B1' ? 0.3 : 0.5,
    'share of generation consumed at once (B1 0.30, B3 0.50; measure it on the site when monitored)',
  );
  const escalation = pick('tariffEscalation', opt.tariffEscalation, 0.06, 'tariff increase per year, nominal');
  const inflation = pick('inflation', opt.inflation, 0.045, 'O&M and replacement cost increase per year');
  const discountRate = pick(
    'discountRate',
    opt.discountRate,
    0.1,
    'nominal yearly rate for NPV, discounted payback and LCOE',
  );
  const omShare = pick('omShareOfCapex', opt.omShareOfCapex, 0.01, 'O&M per year as a share of the investment');
  const replacementYear = pick(
    'inverterReplacementYear',
    opt.inverterReplacementYear,
    12,
    'inverter replaced once, at its typical warranty end',
  );
  const degr1 = pick(
    'degradationFirstYear',
    opt.degradationFirstYear,
    0,
    'light-induced degradation is already in the PVWatts losses (1.5 %)',
  );
  const degrY = pick(
    'degradationYearly',
    opt.degradationYearly,
    0.005,
    'yearly module degradation (typical linear warranty)',
  );
  const fioBAfter = pick(
    'fioBAfterTransition',
    opt.fioBAfterTransition,
    1,
    'Fio B share after the transition (Art. 17 valuation by ANEEL not yet published): 100 %',
  );
  const icmsExempt = pick(
    'icmsExemptCompensated',
    opt.icmsExemptCompensated,
    true,
    `Convênio ICMS 16/2015 adopted in ${q.uf} (no ICMS on compensated energy)`,
  );
  const dcAcMin = pick('dcAcMin', opt.dcAcMin, 0.8, 'lowest DC/AC ratio');
  const dcAcMax = pick('dcAcMax', opt.dcAcMax, 1.35, 'highest DC/AC ratio');
  const albedo = pick('albedo', opt.albedo, 0.2, 'ground reflectance (PVWatts)');
  const losses: LossItems = { ...PVWATTS_LOSSES, ...(opt.losses ?? {}) } as LossItems;
  a(
    'losses',
    { ...losses, total: totalLoss(losses) },
    opt.losses ? 'PVWatts v5 defaults with the items given' : 'default: PVWatts v5 defaults (14.08 %)',
  );
  const climate = {
    recordLowC: pick(
      'recordLowC',
      q.climate?.recordLowC,
      0,
      'record low ambient for Voc (no climate table shipped; give the site’s)',
    ),
    recordHighC: pick(
      'recordHighC',
      q.climate?.recordHighC,
      40,
      'record high ambient for Vmp (no climate table shipped; give the site’s)',
    ),
  };
  const validityDays = pick('validityDays', opt.validityDays, 15, 'days the prices of this proposal hold');
  a('fioBSchedule', Object.fromEntries(FIO_B_SCHEDULE), `Lei 14.300 Art. 27 — ${FIO_B_SCHEDULE_STATUS}`);

  const tariff = await resolveTariff(q, deps, a);

  // Target: the energy above the custo de disponibilidade, at a provisional yield.
  const targetKwh = consumption.reduce((s, c) => s + Math.max(c - disponibilidade, 0), 0);
  const geometry = {
    latitudeDeg: quoteCoordinates(q).lat,
    tiltDeg: q.roof.tiltDeg,
    azimuthDeg: q.roof.azimuthDeg,
    albedo,
  };
  const irr0 = deps.irradiance;
  const ambient = q.climate?.ambientC ?? (irr0.kind === 'ghi' && irr0.ambientC ? irr0.ambientC : Array(12).fill(25));
  a(
    'ambientC',
    ambient,
    q.climate?.ambientC
      ? 'given with the quote'
      : irr0.kind === 'ghi' && irr0.ambientC
        ? irr0.source
        : 'default: 25 °C every month (no climate table shipped)',
  );
  const perKwp = (gamma: number, noct: number, eta: number) =>
    irr0.kind === 'ghi'
      ? monthlyGeneration({
          geometry,
          ghiKwhM2Day: irr0.ghiKwhM2Day,
          ambientC: ambient,
          dcKwp: 1,
          gammaPmaxPerK: gamma,
          noctC: noct,
          inverterEfficiency: eta,
          losses,
        })
      : null;
  const provisional = perKwp(-0.0035, 45, 0.97);
  const yieldPerKwp = provisional
    ? provisional.reduce((s, m) => s + m.acKwh, 0)
    : (irr0 as { kwhPerKwp: number[] }).kwhPerKwp.reduce((s, v) => s + v, 0);
  const targetKwp = targetKwh / yieldPerKwp;
  const sizing = sizeSystem({
    targetKwp,
    modules: deps.catalog,
    inverters: deps.catalog,
    connection: q.connection,
    roofAreaM2: q.roof.areaM2,
    climate,
    dcAcMin,
    dcAcMax,
    moduleSku: q.design?.moduleSku,
    inverterSku: q.design?.inverterSku,
    layout: q.design?.layout,
  });

  let genMonths: GenerationMonth[] | null = null;
  let monthlyKwh: number[];
  if (irr0.kind === 'ghi') {
    genMonths = monthlyGeneration({
      geometry,
      ghiKwhM2Day: irr0.ghiKwhM2Day,
      ambientC: ambient,
      dcKwp: sizing.dcKwp,
      gammaPmaxPerK: sizing.module.specs.gammaPmaxPerK,
      noctC: sizing.module.specs.noctC ?? 45,
      inverterEfficiency: sizing.inverter.specs.efficiency,
      losses,
    });
    monthlyKwh = genMonths.map((m) => m.acKwh);
  } else monthlyKwh = irr0.kwhPerKwp.map((v) => v * sizing.dcKwp);
  const annualKwh = monthlyKwh.reduce((s, v) => s + v, 0);

  // Investment
  const capexBrl =
    'brlPerWp' in q.price ? q.price.brlPerWp * sizing.dcKwp * 1000 : q.price.items.reduce((s, i) => s + i.brl, 0);
  const inverterPrice =
    sizing.inverter.priceBrl !== null ? sizing.inverter.priceBrl * sizing.layout.inverterCount : 0.15 * capexBrl;
  a(
    'inverterReplacementBrl',
    inverterPrice,
    sizing.inverter.priceBrl !== null
      ? `catalog price of ${sizing.inverter.sku} × ${sizing.layout.inverterCount}, escalated by inflation`
      : 'default: 15 % of the investment (no catalog price)',
  );

  // 25 years of monthly bills with the credit bank carried through.
  const months = [...Array(YEARS * 12).keys()].map((i) => {
    const ym = addMonths(startMonth, i);
    const cal = Number(ym.slice(5, 7)) - 1;
    const year = Math.floor(i / 12) + 1;
    const esc = (1 + escalation) ** (year - 1);
    return {
      month: ym,
      consumptionKwh: consumption[cal] as number,
      generationKwh: (monthlyKwh[cal] as number) * degradationFactor(year, degr1, degrY),
      bandeiraBrlPerKwh: (tariff.bandeirasBrlPerKwh[cal] as number) * esc,
      tariff: {
        teBrlPerKwh: tariff.teBrlPerKwh * esc,
        tusdBrlPerKwh: tariff.tusdBrlPerKwh * esc,
        tusdFioBBrlPerKwh: tariff.tusdFioBBrlPerKwh * esc,
        taxes: tariff.taxes,
      },
    };
  });
  const bills = simulateBills(months, {
    connection: q.connection,
    regime,
    selfConsumptionShare: selfShare,
    icmsExemptCompensated: icmsExempt,
    fioBAfterTransition: fioBAfter,
    creditLifetimeMonths: 60,
  });

  const fin = q.financing;
  const loan = fin === 'cash' ? 0 : capexBrl - (fin.downPaymentBrl ?? 0);
  const payment = fin === 'cash' || loan <= 0 ? 0 : -pmt(fin.monthlyRate, fin.months, loan);
  const upfront = fin === 'cash' ? capexBrl : Math.min(fin.downPaymentBrl ?? 0, capexBrl);
  const years: YearFlow[] = [];
  let cumulative = -upfront;
  for (let y = 1; y <= YEARS; y++) {
    const slice = bills.slice((y - 1) * 12, y * 12);
    const before = slice.reduce((s, b) => s + b.billBeforeBrl, 0);
    const after = slice.reduce((s, b) => s + b.billAfterBrl, 0);
    const om = omShare * capexBrl * (1 + inflation) ** (y - 1);
    const replacement = y === replacementYear ? inverterPrice * (1 + inflation) ** (y - 1) : 0;
    const financed = fin === 'cash' ? 0 : payment * Math.max(0, Math.min(12, fin.months - (y - 1) * 12));
    const cash = before - after - om - replacement - financed;
    cumulative += cash;
    years.push({
      year: y,
      generationKwh: slice.reduce((s, b) => s + b.generationKwh, 0),
      billBeforeBrl: round2(before),
      billAfterBrl: round2(after),
      savingsBrl: round2(before - after),
      omBrl: round2(om),
      replacementBrl: round2(replacement),
      financingBrl: round2(financed),
      cashFlowBrl: round2(cash),
      cumulativeBrl: round2(cumulative),
    });
  }
  const flows = [-upfront, ...years.map((y) => y.cashFlowBrl)];
  // LCOE: present value of the project's costs over present value of its energy (financing excluded).
  const pvCosts = capexBrl + years.reduce((s, y) => s + (y.omBrl + y.replacementBrl) / (1 + discountRate) ** y.year, 0);
  const pvEnergy = years.reduce((s, y) => s + y.generationKwh / (1 + discountRate) ** y.year, 0);
  const first = years[0] as YearFlow;
  const createdOn = deps.today;
  const id = q.id ?? `p-${createdOn.replaceAll('-', '')}-${hashId(JSON.stringify(q))}`;

  const fioBSchedule = [...Array(YEARS).keys()]
    .map((i) => Number(startMonth.slice(0, 4)) + i)
    .filter(
      (y, i, all) =>
        i === 0 || fioBShare(regime, y, fioBAfter).share !== fioBShare(regime, all[i - 1] as number, fioBAfter).share,
    )
    .map((y) => ({ year: y, ...fioBShare(regime, y, fioBAfter) }));

  return {
    id,
    modelVersion: PROPOSAL_MODEL_VERSION,
    createdOn,
    validUntil: addDays(createdOn, validityDays),
    quote: q,
    customer: q.customer,
    regime,
    sizing,
    irradiance: { source: irr0.source, kind: irr0.kind, detail: irr0.detail },
    irradianceInput: irr0,
    generation: { monthlyKwh, annualKwh, specificYieldKwhPerKwp: annualKwh / sizing.dcKwp, months: genMonths },
    consumption: {
      monthlyKwh: consumption,
      annualKwh: consumption.reduce((s, v) => s + v, 0),
      disponibilidadeKwh: disponibilidade,
    },
    tariff: { ...tariff },
    fioBSchedule,
    firstYearBills: bills.slice(0, 12),
    capexBrl: round2(capexBrl),
    financing: fin === 'cash' ? fin : { ...fin, monthlyPaymentBrl: round2(payment) },
    years,
    kpis: {
      irr: irr(flows),
      npvBrl: round2(npv(discountRate, flows)),
      discountRate,
      paybackYears: payback(flows),
      discountedPaybackYears: payback(flows, discountRate),
      lcoeBrlPerKwh: pvCosts / pvEnergy,
      billBeforeMonthlyBrl: round2(first.billBeforeBrl / 12),
      billAfterMonthlyBrl: round2(first.billAfterBrl / 12),
      firstYearSavingsBrl: first.savingsBrl,
    },
    assumptions,
    versions: { model: PROPOSAL_MODEL_VERSION, catalog: deps.catalogVersion, tariff: tariff.version },
  };
}

function hashId(s: string): string {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0).toString(16).padStart(8, '0');
}

export { DAYS_IN_MONTH };
