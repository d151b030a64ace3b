import type { InverterSpecs, ModuleSpecs } from './catalog-item.ts';

/** One product as a source lists it, typed in SI (before merging across sources). */
export type NormalizedItem = {
  sku: string;
  source: string;
  brand: string;
  brandKnown: boolean;
  model: string;
  /** price in `currency` when the source has one */
  price: number | null;
  currency: string | null;
} & ({ kind: 'module'; specs: ModuleSpecs } | { kind: 'inverter'; specs: InverterSpecs });

export type NormalizeResult = { ok: true; item: NormalizedItem } | { ok: false; reason: string };

/** Physical ranges a product must satisfy to reach the catalog (also the checks' limits). */
export const LIMITS = {
  modulePmaxW: [50, 800],
  moduleEfficiency: [0.05, 0.26],
  /** relative temperature coefficients per kelvin */
  tempCoefficient: [-0.01, 0],
  inverterAcPowerW: [50, 5_000_000],
  inverterEfficiency: [0.5, 1],
  priceBrl: [0.01, 10_000_000],
} as const;

const inRange = (v: number, [lo, hi]: readonly [number, number]) => v >= lo && v <= hi;
const fmt = (v: number) => String(Math.round(v * 10_000) / 10_000);

/** Partial specs as read; null = the source does not give it, NaN = present but unreadable. */
export type Draft<T> = { [K in keyof T]: T[K] | null };

function missing<T extends object>(d: Draft<T>, keys: Array<keyof T>): string | undefined {
  for (const k of keys) {
    const v = d[k];
    if (v === null || v === undefined) return `missing ${String(k)}`;
    if (typeof v === 'number' && Number.isNaN(v)) return `unreadable ${String(k)}`;
  }
  return undefined;
}

/** Numbers rounded to 12 significant digits, so unit conversions do not leave binary noise (0.0034999…96). */
function tidy<T extends object>(d: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(d))
    out[k] = typeof v === 'number' && Number.isFinite(v) ? Number(v.toPrecision(12)) : v;
  return out as T;
}

/** The first reason a module draft cannot enter the catalog, or the typed specs. */
export function validateModule(draft: Draft<ModuleSpecs>): { specs: ModuleSpecs } | { reason: string } {
  const d = tidy(draft);
  const m = missing(d, ['pmaxW', 'vmpV', 'impA', 'vocV', 'iscA', 'efficiency', 'gammaPmaxPerK', 'betaVocPerK']);
  if (m) return { reason: m };
  const s = d as ModuleSpecs;
  if (!inRange(s.pmaxW, LIMITS.modulePmaxW)) return { reason: `Pmax ${fmt(s.pmaxW)} W outside 50–800 W` };
  if (!inRange(s.efficiency, LIMITS.moduleEfficiency))
    return { reason: `efficiency ${fmt(s.efficiency * 100)} % outside 5–26 %` };
  if (!(s.vocV > s.vmpV)) return { reason: `Voc ${fmt(s.vocV)} V not above Vmp ${fmt(s.vmpV)} V` };
  if (!(s.iscA > s.impA)) return { reason: `Isc ${fmt(s.iscA)} A not above Imp ${fmt(s.impA)} A` };
  if (!(s.vmpV > 0 && s.impA > 0)) return { reason: 'Vmp and Imp must be positive' };
  if (Math.abs(s.vmpV * s.impA - s.pmaxW) / s.pmaxW > 0.1)
    return { reason: `Vmp × Imp = ${fmt(s.vmpV * s.impA)} W does not match Pmax ${fmt(s.pmaxW)} W (±10 %)` };
  if (!inRange(s.gammaPmaxPerK, LIMITS.tempCoefficient))
    return { reason: `Pmax temperature coefficient ${fmt(s.gammaPmaxPerK * 100)} %/K outside -1–0 %/K` };
  if (!inRange(s.betaVocPerK, LIMITS.tempCoefficient))
    return { reason: `Voc temperature coefficient ${fmt(s.betaVocPerK * 100)} %/K outside -1–0 %/K` };
  for (const k of ['noctC', 'lengthM', 'widthM', 'weightKg'] as const)
    if (typeof s[k] === 'number' && Number.isNaN(s[k])) return { reason: `unreadable ${k}` };
  return { specs: s };
}

export function validateInverter(draft: Draft<InverterSpecs>): { specs: InverterSpecs } | { reason: string } {
  const d = tidy(draft);
  const m = missing(d, [
    'acPowerW',
    'maxDcVoltageV',
    'mpptCount',
    'mpptVMinV',
    'mpptVMaxV',
    'maxInputCurrentA',
    'efficiency',
    'phases',
  ]);
  if (m) return { reason: m };
  const s = d as InverterSpecs;
  if (!inRange(s.acPowerW, LIMITS.inverterAcPowerW))
    return { reason: `AC rating ${fmt(s.acPowerW)} W outside 50 W–5 MW` };
  if (!inRange(s.efficiency, LIMITS.inverterEfficiency))
    return { reason: `efficiency ${fmt(s.efficiency * 100)} % outside 50–100 %` };
  if (!(s.mpptVMinV > 0 && s.mpptVMaxV > s.mpptVMinV))
    return { reason: `MPPT range ${fmt(s.mpptVMinV)}–${fmt(s.mpptVMaxV)} V is not a range` };
  if (!(s.maxDcVoltageV >= s.mpptVMaxV))
    return { reason: `max DC voltage ${fmt(s.maxDcVoltageV)} V below MPPT max ${fmt(s.mpptVMaxV)} V` };
  if (!(Number.isInteger(s.mpptCount) && s.mpptCount >= 1 && s.mpptCount <= 32))
    return { reason: `MPPT count ${s.mpptCount} is not 1–32` };
  if (!(s.maxInputCurrentA > 0)) return { reason: 'max input current must be positive' };
  return { specs: s };
}

export function validatePrice(price: number | null): string | undefined {
  if (price === null) return undefined;
  if (Number.isNaN(price)) return 'unreadable price';
  if (!inRange(price, LIMITS.priceBrl)) return `price ${price} outside 0.01–10,000,000`;
  return undefined;
}
