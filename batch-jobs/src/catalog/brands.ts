import { foldKey } from '../parsing/numbers.ts';

/**
 * Canonical brand names and the spellings suppliers and the CEC list use for them. A spelling is
 * matched after folding (lower case, no accents, punctuation as "_") and dropping company suffixes
 * ("Co., Ltd", "Technology", "Inc"), so "JA Solar", "JASOLAR" and "Ja Solar Technology Co., Ltd."
 * all land on "JA Solar". Add a brand here (one line) when a feed brings a new one; the coverage
 * check of items_normalized reports feed brands that are not listed.
 */
const CANONICAL: Record<string, string[]> = {
  'JA Solar': ['jasolar'],
  'Jinko Solar': ['jinko', 'jinkosolar', 'jinkosolarholding'],
  'Trina Solar': ['trina', 'trinasolar'],
  'Canadian Solar': ['canadian', 'canadiansolar', 'csisolar', 'csi'],
  LONGi: ['longi', 'longigreen', 'longigreenenergy', 'longisolar'],
  'Hanwha Q CELLS': ['hanwhaqcells', 'qcells', 'hanwhaqcellsqidong'],
  'Risen Energy': ['risen', 'risenenergy'],
  BYD: ['byd'],
  'Sunova Solar': ['sunova', 'sunovasolar'],
  'Astronergy (Chint)': ['astronergy', 'chintsolarzhejiang', 'chintsolar'],
  'DAH Solar': ['dah', 'dahsolar'],
  Huawei: ['huawei', 'huaweitechnologies'],
  Growatt: ['growatt', 'shenzhengrowatt', 'shenzhengrowattnewenergy', 'growattnewenergy'],
  Sungrow: ['sungrow', 'sungrowpowersupply'],
  Fronius: ['fronius', 'froniususa', 'froniusinternational'],
  SMA: ['sma', 'smaamerica', 'smasolar'],
  GoodWe: ['goodwe', 'jiangsugoodwepower'],
  Deye: ['deye', 'ningbodeyeinverter'],
  'Solis (Ginlong)': ['solis', 'ginlong', 'ginlongsolis', 'ningboginlong'],
  WEG: ['weg'],
  Enphase: ['enphase', 'enphaseenergy'],
  SolarEdge: ['solaredge'],
  ABB: ['abb'],
  'REC Solar': ['rec', 'recsolar', 'recgroup'],
  'LG Electronics': ['lg', 'lgelectronics'],
  SunPower: ['sunpower'],
};

// Company-form words and filler that never tell two brands apart.
const SUFFIXES = new Set([
  'co',
  'ltd',
  'limited',
  'inc',
  'llc',
  'corp',
  'corporation',
  'company',
  'technology',
  'technologies',
  'tech',
  'group',
  'holding',
  'holdings',
  'gmbh',
  'ag',
  'sa',
  'ltda',
  'energy',
  'power',
  'new',
  'sp',
  'z',
  'o',
]);

function compact(name: string): string {
  const words = foldKey(name).split('_').filter(Boolean);
  while (words.length > 1 && SUFFIXES.has(words.at(-1) as string)) words.pop();
  return words.join('');
}

const ALIASES = new Map<string, string>();
for (const [canonical, aliases] of Object.entries(CANONICAL)) {
  ALIASES.set(compact(canonical), canonical);
  for (const a of aliases) ALIASES.set(a, canonical);
}

export interface CanonicalBrand {
  brand: string;
  /** true when the spelling matched a listed brand, false when the cleaned spelling is used as is */
  known: boolean;
}

/** The canonical brand of a spelling; unknown brands keep their own spelling minus company suffixes. */
export function canonicalBrand(raw: string): CanonicalBrand {
  const key = compact(raw);
  const hit = ALIASES.get(key) ?? ALIASES.get(key.replace(/solar$/, ''));
  if (hit) return { brand: hit, known: true };
  const cleaned = raw
    .replace(/[_,.]+/g, ' ')
    .replace(/\b(co|ltd|inc|llc|corp|limited|gmbh|ltda)\b\.?/gi, '')
    .replace(/\s+/g, ' ')
    .replace(/[\s-]+$/, '')
    .trim();
  return { brand: cleaned || raw.trim(), known: false };
}

/** A model name folded for SKUs: upper case letters and digits only ("JAM72S30-550/MR" -> "JAM72S30550MR"). */
export function modelKey(model: string): string {
  return model
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '');
}

/** The stable SKU of a product: kind, canonical brand and model, folded (same product, same SKU, in every source). */
export function skuOf(kind: 'module' | 'inverter', brand: string, model: string): string {
  return `${kind === 'module' ? 'MOD' : 'INV'}-${modelKey(brand)}-${modelKey(model)}`;
}

/** The nominal power in a module model string ("JAM72S30-550/MR", "JKM550M-72HL4-V", "CS6W-550MS" -> 550). */
export function powerFromModel(model: string): number | null {
  // The largest candidate: cell counts and series numbers ("RSM110-8-550BMDG") come before the power.
  let best: number | null = null;
  for (const m of model.matchAll(/(?<![0-9])(\d{3})(?![0-9])/g)) {
    const n = Number(m[1]);
    if (n >= 100 && n <= 800 && (best === null || n > best)) best = n;
  }
  return best;
}
