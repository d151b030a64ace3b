import { fixC1, isNullMarker, parseDate, parseDecimal } from '../parsing/numbers.ts';

/**
 * The ANEEL layouts tarifas_raw reads, and how one record of each becomes a normalized tariff row:
 * - `official-csv`: "Tarifas Homologadas das Distribuidoras" CSV download (';', decimal comma,
 *   ",00" for zero, UTF-8 or Latin-1).
 * - `datastore-json`: the same dataset's CKAN datastore_search records (same field names; values
 *   are strings with decimal comma, plus CKAN's _id and _full_text).
 * - `scraped-2023`: a third-party scrape of ANEEL's tariff spreadsheets (',' and '.', no REH and
 *   no vigência; a derived TUSD_FioB column). Its REH and vigência come from configuration.
 * - `bandeiras-csv`: "Bandeiras Tarifárias - acionamento" (R$/MWh adders per month).
 */
export const TARIFF_LAYOUTS = ['official-csv', 'datastore-json', 'scraped-2023', 'bandeiras-csv'] as const;
export type TariffLayout = (typeof TARIFF_LAYOUTS)[number];

/** The layout of a CSV file from its header. */
export function layoutOfHeader(header: readonly string[]): TariffLayout | undefined {
  const h = new Set(header.map((x) => x.trim()));
  if (h.has('DscREH') && h.has('VlrTE')) return 'official-csv';
  if (h.has('CONCESSIONARIA') && h.has('Total TE')) return 'scraped-2023';
  if (h.has('NomBandeiraAcionada') && h.has('DatCompetencia')) return 'bandeiras-csv';
  return undefined;
}

export interface TariffRow {
  distribuidora: string;
  cnpj: string | null;
  reh: string;
  vigenciaStart: string;
  vigenciaEnd: string | null;
  baseTarifaria: string;
  subgrupo: string;
  modalidade: string;
  classe: string | null;
  subclasse: string | null;
  detalhe: string | null;
  posto: string | null;
  /** 'kWh' (values in R$/kWh) or 'kW' (R$/kW, demand) */
  unit: 'kWh' | 'kW';
  acessante: string | null;
  te: number | null;
  tusd: number | null;
  tusdFioB: number | null;
}

export type TariffResult = { ok: true; row: TariffRow } | { ok: false; reason: string };

/** Text as published, with the Windows-1252 defect fixed (U+0096 -> "–") and spaces collapsed. */
export function text(raw: unknown): string {
  return fixC1(raw == null ? '' : String(raw))
    .replace(/\s+/g, ' ')
    .trim();
}

/** "Não se aplica" (and empty) is null for the descriptive fields. */
export function optionalText(raw: unknown): string | null {
  const t = text(raw);
  return isNullMarker(t) ? null : t;
}

/** A value cell: strings use `decimal`, JSON numbers are taken as they are. */
function value(raw: unknown, decimal: ',' | '.'): number | null {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : Number.NaN;
  return parseDecimal(raw == null ? null : String(raw), decimal);
}

function unitOf(raw: unknown): { unit: 'kWh' | 'kW'; divisor: number } | undefined {
  const u = text(raw).toLowerCase();
  if (u === 'mwh') return { unit: 'kWh', divisor: 1000 };
  if (u === 'kwh') return { unit: 'kWh', divisor: 1 };
  if (u === 'kw') return { unit: 'kW', divisor: 1 };
  return undefined;
}

const round8 = (n: number | null) => (n === null ? null : Math.round(n * 1e8) / 1e8);

function finish(
  base: Omit<TariffRow, 'te' | 'tusd' | 'tusdFioB' | 'unit'>,
  unitRaw: unknown,
  te: number | null,
  tusd: number | null,
  fioB: number | null,
): TariffResult {
  const u = unitOf(unitRaw);
  if (!u) return { ok: false, reason: `unknown unit "${text(unitRaw)}"` };
  for (const [name, v] of [
    ['TE', te],
    ['TUSD', tusd],
    ['TUSD Fio B', fioB],
  ] as const)
    if (v !== null && Number.isNaN(v)) return { ok: false, reason: `unreadable ${name}` };
  if (te === null && tusd === null) return { ok: false, reason: 'neither TE nor TUSD given' };
  if (!base.subgrupo) return { ok: false, reason: 'missing subgrupo' };
  if (!base.modalidade) return { ok: false, reason: 'missing modalidade' };
  if (!base.distribuidora) return { ok: false, reason: 'missing distribuidora' };
  return {
    ok: true,
    row: {
      ...base,
      unit: u.unit,
      te: round8(te === null ? null : te / u.divisor),
      tusd: round8(tusd === null ? null : tusd / u.divisor),
      tusdFioB: round8(fioB === null ? null : fioB / u.divisor),
    },
  };
}

/** One record of the official CSV or of the datastore JSON (same field names). */
export function normalizeOfficial(r: Record<string, unknown>): TariffResult {
  const start = parseDate(text(r.DatInicioVigencia));
  const end = parseDate(text(r.DatFimVigencia));
  if (!start) return { ok: false, reason: `unreadable DatInicioVigencia "${text(r.DatInicioVigencia)}"` };
  if (end === undefined) return { ok: false, reason: `unreadable DatFimVigencia "${text(r.DatFimVigencia)}"` };
  if (end !== null && end < start) return { ok: false, reason: `vigência ends (${end}) before it starts (${start})` };
  const reh = text(r.DscREH);
  if (!reh) return { ok: false, reason: 'missing DscREH' };
  return finish(
    {
      distribuidora: text(r.SigAgente),
      cnpj: optionalText(r.NumCNPJDistribuidora),
      reh,
      vigenciaStart: start,
      vigenciaEnd: end,
      baseTarifaria: text(r.DscBaseTarifaria),
      subgrupo: text(r.DscSubGrupo),
      modalidade: text(r.DscModalidadeTarifaria),
      classe: optionalText(r.DscClasse),
      subclasse: optionalText(r.DscSubClasse),
      detalhe: optionalText(r.DscDetalhe),
      posto: optionalText(r.NomPostoTarifario),
      acessante: optionalText(r.SigAgenteAcessante),
    },
    r.DscUnidadeTerciaria,
    value(r.VlrTE, ','),
    value(r.VlrTUSD, ','),
    null,
  );
}

export interface ScrapedOptions {
  reh: string;
  vigenciaStart: string;
  vigenciaEnd: string | null;
}

/** One row of the scraped 2023 layout; REH and vigência from `o` (the source has neither). */
export function normalizeScraped(r: Record<string, unknown>, o: ScrapedOptions): TariffResult {
  return finish(
    {
      distribuidora: text(r.CONCESSIONARIA),
      cnpj: null,
      reh: o.reh,
      vigenciaStart: o.vigenciaStart,
      vigenciaEnd: o.vigenciaEnd,
      baseTarifaria: 'Tarifa de Aplicação',
      subgrupo: text(r.SUBGRUPO),
      modalidade: text(r.MODALIDADE),
      classe: optionalText(r.CLASSE),
      subclasse: optionalText(r.SUBCLASSE),
      detalhe: optionalText(r.DETALHE),
      posto: optionalText(r.POSTO),
      acessante: optionalText(r.ACESSANTE),
    },
    r.UNIDADE,
    value(r['Total TE'], '.'),
    value(r['Total TUSD'], '.'),
    value(r.TUSD_FioB, '.'),
  );
}

export interface BandeiraRow {
  competencia: string;
  name: string;
  addBrlPerKwh: number;
  generatedAt: string | null;
}

/** One bandeiras acionamento row: competência (first of month), flag, adder R$/MWh -> R$/kWh. */
export function normalizeBandeira(
  r: Record<string, unknown>,
): { ok: true; row: BandeiraRow } | { ok: false; reason: string } {
  const comp = parseDate(text(r.DatCompetencia));
  if (!comp) return { ok: false, reason: `unreadable DatCompetencia "${text(r.DatCompetencia)}"` };
  const name = text(r.NomBandeiraAcionada);
  if (!name) return { ok: false, reason: 'missing NomBandeiraAcionada' };
  const v = value(r.VlrAdicionalBandeira, ',');
  if (v === null || Number.isNaN(v) || v < 0)
    return { ok: false, reason: `unreadable VlrAdicionalBandeira "${text(r.VlrAdicionalBandeira)}"` };
  return {
    ok: true,
    row: {
      competencia: `${comp.slice(0, 7)}-01`,
      name,
      addBrlPerKwh: round8(v / 1000) as number,
      generatedAt: parseDate(text(r.DatGeracaoConjuntoDados)) ?? null,
    },
  };
}
