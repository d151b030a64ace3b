/**
 * The gold catalog row (table `catalog_items`, migration 0310) as the rest of the platform reads
 * it: propostas size systems from it and RAG renders one document per item. Units are SI and
 * fractions, never percentages: efficiency 0.215, temperature coefficients per kelvin relative to
 * the STC value (gammaPmaxPerK -0.0035 means -0.35 %/K).
 */
export interface ModuleSpecs {
  pmaxW: number;
  vmpV: number;
  impA: number;
  vocV: number;
  iscA: number;
  /** fraction 0–1 */
  efficiency: number;
  /** relative change of Pmax per kelvin (negative) */
  gammaPmaxPerK: number;
  /** relative change of Voc per kelvin (negative) */
  betaVocPerK: number;
  /** nominal operating cell temperature, °C, when the source has it */
  noctC: number | null;
  lengthM: number | null;
  widthM: number | null;
  weightKg: number | null;
  cellType: string | null;
}

export interface InverterSpecs {
  acPowerW: number;
  maxDcVoltageV: number;
  mpptCount: number;
  mpptVMinV: number;
  mpptVMaxV: number;
  /** maximum DC input current per MPPT input */
  maxInputCurrentA: number;
  /** fraction 0–1 (CEC weighted or the datasheet's European/max when that is all there is) */
  efficiency: number;
  phases: 1 | 2 | 3;
}

interface ItemBase {
  sku: string;
  brand: string;
  model: string;
  /** best (lowest) price across sources, R$; null when no source prices it */
  priceBrl: number | null;
  /** the source ids that list this product (e.g. `cec-modules`, `feed:distribuidora-sul.csv`) */
  sources: string[];
  /** spec fields whose values disagree between sources, with each source's value */
  conflicts: Array<{ field: string; values: Record<string, unknown> }>;
  dataVersion: string;
}

export type CatalogItem =
  | (ItemBase & { kind: 'module'; specs: ModuleSpecs })
  | (ItemBase & { kind: 'inverter'; specs: InverterSpecs });

export type CatalogKind = CatalogItem['kind'];

export const CATALOG_ITEMS_TABLE = 'catalog_items';
