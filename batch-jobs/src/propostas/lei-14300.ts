/**
 * Lei 14.300/2022 (SCEE) as a bill: regime by access-request date, the TUSD Fio B share by billing
 * year, the custo de disponibilidade as the floor of the energy part, and a 60-month credit bank
 * (oldest credits used first, expired after 60 months). The schedule is read from
 * data/finance/lei_14300_fio_b_transicao.json (its verification status travels with every
 * proposal). Everything here is a pure function of its inputs: the hand-worked tests in
 * lei-14300.test.ts recompute bills to the centavo.
 */
import { readFileSync } from 'node:fs';

export type Connection = 'mono' | 'bi' | 'tri';
export type Regime = 'GD I' | 'GD II' | 'GD III';
export type GenerationKind = 'local' | 'remote-mini-over-500kw' | 'shared-25pct';

/** REN 1000/2021 art. 291: minimum billed energy by connection. */
export const DISPONIBILIDADE_KWH: Readonly<Record<Connection, number>> = { mono: 30, bi: 50, tri: 100 };

interface ScheduleFile {
  _status: string;
  schedule_art27_unverified: Array<{ year: number; fio_b_pct: number | null }>;
}
const scheduleFile = JSON.parse(
  readFileSync(new URL('../../data/finance/lei_14300_fio_b_transicao.json', import.meta.url), 'utf8'),
) as ScheduleFile;

/** Art. 27 schedule: billing year → Fio B share (fraction). */
export const FIO_B_SCHEDULE: ReadonlyMap<number, number> = new Map(
  scheduleFile.schedule_art27_unverified
    .filter((r): r is { year: number; fio_b_pct: number } => r.fio_b_pct !== null)
    .map((r) => [r.year, r.fio_b_pct / 100]),
);
export const FIO_B_SCHEDULE_STATUS = scheduleFile._status;

export interface RegimeInfo {
  regime: Regime;
  /** last billing year of the Art. 27 transition (GD II), of Art. 26 grandfathering (GD I) */
  untilYear: number | null;
  basis: string;
}

/** Regime by the date the access request was filed (protocolo) and the kind of generation. */
export function regimeFor(accessRequestDate: string, kind: GenerationKind = 'local'): RegimeInfo {
  if (accessRequestDate <= '2023-01-07')
    return {
      regime: 'GD I',
      untilYear: 2045,
      basis: 'Art. 26: existente ou protocolo até 07/01/2023 — sem Fio B sobre a energia compensada até 31/12/2045',
    };
  if (kind !== 'local')
    return {
      regime: 'GD III',
      untilYear: 2028,
      basis:
        'Art. 27 §1º: minigeração remota > 500 kW ou compartilhada com titular ≥ 25 % — 100 % do Fio B (os 40 % do Fio A, TFSEE e P&D não são modelados)',
    };
  if (accessRequestDate <= '2023-07-07')
    return {
      regime: 'GD II',
      untilYear: 2030,
      basis:
        'Art. 27: protocolo entre 13 e 18 meses após a publicação — transição até 31/12/2030 (90 % em 2029–2030, não verificado)',
    };
  return { regime: 'GD II', untilYear: 2028, basis: 'Art. 27: transição do Fio B 15 % (2023) a 90 % (2028)' };
}

export interface FioBShare {
  share: number;
  source: 'art26' | 'art27' | 'assumption';
}

/**
 * Share of the TUSD Fio B paid on compensated energy in a billing year. After the transition the
 * law defers to ANEEL's valuation (art. 17): `afterTransition` is the proposal's assumption.
 */
export function fioBShare(regime: RegimeInfo, billingYear: number, afterTransition: number): FioBShare {
  if (regime.regime === 'GD I')
    return billingYear <= 2045 ? { share: 0, source: 'art26' } : { share: afterTransition, source: 'assumption' };
  if (regime.regime === 'GD III')
    return billingYear <= 2028 ? { share: 1, source: 'art27' } : { share: afterTransition, source: 'assumption' };
  if (billingYear < 2023) return { share: 0, source: 'art27' };
  const s = FIO_B_SCHEDULE.get(billingYear);
  if (s !== undefined) return { share: s, source: 'art27' };
  if (billingYear <= (regime.untilYear ?? 2028)) return { share: FIO_B_SCHEDULE.get(2028) ?? 0.9, source: 'art27' };
  return { share: afterTransition, source: 'assumption' };
}

export interface BillTariff {
  teBrlPerKwh: number;
  tusdBrlPerKwh: number;
  tusdFioBBrlPerKwh: number;
  taxes: { icms: number; pis: number; cofins: number };
}

export interface BillingRules {
  connection: Connection;
  regime: RegimeInfo;
  /** fraction of each month's generation consumed at once behind the meter (never injected) */
  selfConsumptionShare: number;
  /** Convênio ICMS 16/2015 adopted by the state: no ICMS on compensated energy */
  icmsExemptCompensated: boolean;
  /** Fio B share assumed after the transition (art. 17 valuation not yet known) */
  fioBAfterTransition: number;
  creditLifetimeMonths: number;
}

export interface BillMonthInput {
  /** YYYY-MM: the billing month (its year picks the Fio B share) */
  month: string;
  consumptionKwh: number;
  generationKwh: number;
  /** bandeira addition in force that month, R$/kWh (0 for verde) */
  bandeiraBrlPerKwh: number;
  tariff: BillTariff;
}

export interface BillMonth {
  month: string;
  consumptionKwh: number;
  generationKwh: number;
  selfConsumedKwh: number;
  injectedKwh: number;
  gridKwh: number;
  compensatedKwh: number;
  /** energy billed at full tariff, floored at the custo de disponibilidade */
  billedKwh: number;
  creditBalanceKwh: number;
  expiredKwh: number;
  fioBShare: number;
  fioBSource: FioBShare['source'];
  energyBrl: number;
  fioBBrl: number;
  icmsCompensatedBrl: number;
  /** bill after solar, rounded to the centavo */
  billAfterBrl: number;
  /** bill of the same consumption without solar, rounded to the centavo */
  billBeforeBrl: number;
}

export const round2 = (x: number) => Math.round((x + Number.EPSILON) * 100) / 100;

/**
 * Month-by-month bills. Energy billed (TE + TUSD + bandeira) is grossed up "por dentro" by ICMS,
 * PIS and COFINS; compensated energy pays only the Fio B share (grossed up the same way, as it is
 * billed TUSD), plus ICMS on its value where the state did not adopt Convênio 16/2015. Compensation
 * stops at the custo de disponibilidade: credits are never spent to go below it.
 */
export function simulateBills(inputs: readonly BillMonthInput[], rules: BillingRules, openingCredits = 0): BillMonth[] {
  const floor = DISPONIBILIDADE_KWH[rules.connection];
  const bank: Array<{ index: number; kwh: number }> = openingCredits > 0 ? [{ index: -1, kwh: openingCredits }] : [];
  const out: BillMonth[] = [];
  inputs.forEach((m, i) => {
    const year = Number(m.month.slice(0, 4));
    const fio = fioBShare(rules.regime, year, rules.fioBAfterTransition);
    const selfKwh = Math.min(m.generationKwh * rules.selfConsumptionShare, m.consumptionKwh);
    const injected = m.generationKwh - selfKwh;
    const grid = m.consumptionKwh - selfKwh;
    if (injected > 0) bank.push({ index: i, kwh: injected });
    let need = Math.max(grid - floor, 0);
    let compensated = 0;
    while (need > 1e-12 && bank.length > 0) {
      const oldest = bank[0] as { index: number; kwh: number };
      const take = Math.min(oldest.kwh, need);
      oldest.kwh -= take;
      need -= take;
      compensated += take;
      if (oldest.kwh <= 1e-12) bank.shift();
    }
    let expired = 0;
    while (bank.length > 0 && (bank[0] as { index: number }).index <= i - rules.creditLifetimeMonths) {
      expired += (bank.shift() as { kwh: number }).kwh;
    }
    const t = m.tariff;
    const taxes = t.taxes.icms + t.taxes.pis + t.taxes.cofins;
    const full = (t.teBrlPerKwh + t.tusdBrlPerKwh + m.bandeiraBrlPerKwh) / (1 - taxes);
    const billed = Math.max(grid - compensated, floor);
    const energyBrl = billed * full;
    const fioBBrl = (compensated * fio.share * t.tusdFioBBrlPerKwh) / (1 - taxes);
    const icmsCompensatedBrl = rules.icmsExemptCompensated
      ? 0
      : (compensated * (t.teBrlPerKwh + t.tusdBrlPerKwh) * t.taxes.icms) / (1 - t.taxes.icms);
    out.push({
      month: m.month,
      consumptionKwh: m.consumptionKwh,
      generationKwh: m.generationKwh,
      selfConsumedKwh: selfKwh,
      injectedKwh: injected,
      gridKwh: grid,
      compensatedKwh: compensated,
      billedKwh: billed,
      creditBalanceKwh: bank.reduce((a, c) => a + c.kwh, 0),
      expiredKwh: expired,
      fioBShare: fio.share,
      fioBSource: fio.source,
      energyBrl,
      fioBBrl,
      icmsCompensatedBrl,
      billAfterBrl: round2(energyBrl + fioBBrl + icmsCompensatedBrl),
      billBeforeBrl: round2(Math.max(m.consumptionKwh, floor) * full),
    });
  });
  return out;
}
