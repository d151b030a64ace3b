import { parseDecimal } from '../parsing/numbers.ts';
import { canonicalBrand, skuOf } from './brands.ts';
import type { InverterSpecs } from './catalog-item.ts';
import { type NormalizeResult, validateInverter, validateModule } from './validate.ts';

/**
 * CEC module and inverter lists as packaged by NREL SAM (data/catalog/SOURCE.txt): three header
 * lines, '.' decimals, absolute temperature coefficients. These functions type one record.
 */
export const CEC_HEADER_LINES_AFTER_NAMES = 2;

const num = (r: Record<string, string>, k: string) => parseDecimal(r[k], '.');

/** A CEC module record; efficiency derived as STC / (A_c · 1000 W/m²), beta_oc (V/K) made relative to Voc. */
export function normalizeCecModule(r: Record<string, string>, source: string): NormalizeResult {
  const manufacturer = (r.Manufacturer ?? '').trim();
  const name = (r.Name ?? '').trim();
  if (!manufacturer || !name) return { ok: false, reason: 'missing Name or Manufacturer' };
  const model = name.startsWith(manufacturer) ? name.slice(manufacturer.length).trim() : name;
  if (!model) return { ok: false, reason: 'missing model' };
  const pmax = num(r, 'STC');
  const area = num(r, 'A_c');
  const voc = num(r, 'V_oc_ref');
  const beta = num(r, 'beta_oc');
  const gamma = num(r, 'gamma_r');
  const tech = (r.Technology ?? '').trim();
  const v = validateModule({
    pmaxW: pmax,
    vmpV: num(r, 'V_mp_ref'),
    impA: num(r, 'I_mp_ref'),
    vocV: voc,
    iscA: num(r, 'I_sc_ref'),
    efficiency: pmax !== null && area !== null && area > 0 ? pmax / (area * 1000) : null,
    gammaPmaxPerK: gamma === null ? null : gamma / 100,
    betaVocPerK: beta !== null && voc !== null && voc > 0 ? beta / voc : null,
    noctC: num(r, 'T_NOCT'),
    lengthM: num(r, 'Length'),
    widthM: num(r, 'Width'),
    weightKg: null,
    cellType: tech ? `${tech}${r.Bifacial === '1' ? ' bifacial' : ''}` : null,
  });
  if ('reason' in v) return { ok: false, reason: v.reason };
  const b = canonicalBrand(manufacturer);
  return {
    ok: true,
    item: {
      kind: 'module',
      sku: skuOf('module', b.brand, model),
      source,
      brand: b.brand,
      brandKnown: b.known,
      model,
      specs: v.specs,
      price: null,
      currency: null,
    },
  };
}

/** Phases from the CEC AC voltage (US grid): 208/480 V three-phase, 240 V split-phase (2), 120/277 V single. */
export function phasesFromVac(vac: number | null): 1 | 2 | 3 | null {
  if (vac === null || Number.isNaN(vac)) return null;
  if (vac === 208 || vac === 480 || vac >= 380) return 3;
  if (vac === 240) return 2;
  if (vac > 0) return 1;
  return null;
}

/**
 * A CEC inverter record ("Manufacturer: MODEL [240V]"): Paco is the AC rating, efficiency at
 * rating is Paco/Pdco, the single MPPT range is Mppt_low–Mppt_high (the Sandia model has one input).
 */
export function normalizeCecInverter(r: Record<string, string>, source: string): NormalizeResult {
  const name = (r.Name ?? '').trim();
  const colon = name.indexOf(':');
  if (colon <= 0) return { ok: false, reason: 'Name is not "Manufacturer: MODEL"' };
  const manufacturer = name.slice(0, colon).trim();
  const model = name
    .slice(colon + 1)
    .replace(/\s+/g, ' ')
    .trim();
  if (!model) return { ok: false, reason: 'missing model' };
  const paco = num(r, 'Paco');
  const pdco = num(r, 'Pdco');
  const draft: { [K in keyof InverterSpecs]: InverterSpecs[K] | null } = {
    acPowerW: paco,
    maxDcVoltageV: num(r, 'Vdcmax'),
    mpptCount: 1,
    mpptVMinV: num(r, 'Mppt_low'),
    mpptVMaxV: num(r, 'Mppt_high'),
    maxInputCurrentA: num(r, 'Idcmax'),
    efficiency: paco !== null && pdco !== null && pdco > 0 ? paco / pdco : null,
    phases: phasesFromVac(num(r, 'Vac')),
  };
  if (draft.phases === null) return { ok: false, reason: `AC voltage "${r.Vac ?? ''}" does not tell the phases` };
  const v = validateInverter(draft);
  if ('reason' in v) return { ok: false, reason: v.reason };
  const b = canonicalBrand(manufacturer);
  return {
    ok: true,
    item: {
      kind: 'inverter',
      sku: skuOf('inverter', b.brand, model),
      source,
      brand: b.brand,
      brandKnown: b.known,
      model,
      specs: v.specs,
      price: null,
      currency: null,
    },
  };
}
