/**
 * The answer of the gold tariff lookup: the tariff in force for (distribuidora, subgrupo,
 * modalidade, classe, date), each component shown, grossed up "por dentro" for ICMS/PIS/COFINS,
 * and where every number came from. Propostas price bills from it; the admin API and
 * `ysh tarifa` print it. R$/kWh throughout.
 */
export interface TariffQuery {
  distribuidora: string;
  subgrupo: string;
  /** default 'Convencional' */
  modalidade?: string;
  /** default 'Residencial' */
  classe?: string;
  /** ISO date (YYYY-MM-DD); default today in America/Sao_Paulo */
  date?: string;
}

export interface TariffProvenance {
  reh: string;
  file: string;
  line: number;
  sourceHash: string;
}

export interface TariffQuote {
  distribuidora: string;
  subgrupo: string;
  modalidade: string;
  classe: string;
  date: string;
  vigenciaStart: string;
  vigenciaEnd: string | null;
  teBrlPerKwh: number;
  tusdBrlPerKwh: number;
  /** TUSD Fio B component where the source has it (see batch-jobs README), else null */
  tusdFioBBrlPerKwh: number | null;
  bandeira: { competencia: string; name: string; addBrlPerKwh: number } | null;
  taxes: { uf: string; icms: number; pis: number; cofins: number };
  /** (TE + TUSD + bandeira) / (1 - ICMS - PIS - COFINS) */
  allInBrlPerKwh: number;
  provenance: TariffProvenance;
}

/** How propostas obtain tariffs: the gold lookup in production, a given quote in hand-worked tests. */
export type TariffSource = (query: TariffQuery) => Promise<TariffQuote>;
