/**
 * Sizing: the target DC power, the module and inverter picked from the gold catalog, and the string
 * layout checked electrically at the site's temperature extremes. Every check carries its margin
 * (limit − value, in its unit and as a share of the limit), so the proposal can show it and a
 * refused layout says by how much it fails.
 *
 * - Voc at the record low ambient (cells at ambient at dawn) × modules in series ≤ max DC voltage.
 * - Vmp at the hot cell temperature (record high ambient + (NOCT − 20)/800 · 1000 W/m²) ≥ MPPT min,
 *   and Vmp at the record low ≤ MPPT max. Vmp is scaled with the Voc coefficient (the catalog
 *   carries no Vmp coefficient; datasheets give them within a few hundredths of %/K).
 * - Strings in parallel on one MPPT × Imp ≤ the input's max current (the catalog's one current
 *   limit is the operating one; Isc is reported beside it).
 */
import type { CatalogItem, InverterSpecs, ModuleSpecs } from '../catalog/catalog-item.ts';
import { JobsError } from '../errors.ts';
import type { Connection } from './lei-14300.ts';

export interface SiteClimate {
  recordLowC: number;
  recordHighC: number;
}

export interface Layout {
  inverterCount: number;
  modulesPerString: number;
  /** strings per inverter */
  strings: number;
}

export interface ElectricalCheck {
  name:
    | 'voc_cold_max_dc'
    | 'vmp_hot_mppt_min'
    | 'vmp_cold_mppt_max'
    | 'current_per_mppt'
    | 'dc_ac_ratio_max'
    | 'dc_ac_ratio_min'
    | 'roof_area';
  label: string;
  value: number;
  limit: number;
  unit: string;
  /** how far the value is inside its limit (negative: violated), in `unit` */
  margin: number;
  marginShare: number;
  ok: boolean;
}

const DEFAULT_NOCT = 45;

function check(
  name: ElectricalCheck['name'],
  label: string,
  value: number,
  limit: number,
  unit: string,
  kind: 'max' | 'min',
): ElectricalCheck {
  const margin = kind === 'max' ? limit - value : value - limit;
  return {
    name,
    label,
    value,
    limit,
    unit,
    margin,
    marginShare: limit === 0 ? 0 : margin / Math.abs(limit),
    ok: margin >= -1e-9,
  };
}

export function stringChecks(
  m: ModuleSpecs,
  inv: InverterSpecs,
  layout: Layout,
  climate: SiteClimate,
): ElectricalCheck[] {
  const ns = layout.modulesPerString;
  const hotCell = climate.recordHighC + (((m.noctC ?? DEFAULT_NOCT) - 20) / 800) * 1000;
  const perMppt = Math.ceil(layout.strings / inv.mpptCount);
  const vocCold = ns * m.vocV * (1 + m.betaVocPerK * (climate.recordLowC - 25));
  const vmpHot = ns * m.vmpV * (1 + m.betaVocPerK * (hotCell - 25));
  const vmpCold = ns * m.vmpV * (1 + m.betaVocPerK * (climate.recordLowC - 25));
  return [
    check(
      'voc_cold_max_dc',
      `Voc a ${climate.recordLowC} °C × ${ns} módulos ≤ tensão máx. CC`,
      vocCold,
      inv.maxDcVoltageV,
      'V',
      'max',
    ),
    check(
      'vmp_hot_mppt_min',
      `Vmp com célula a ${hotCell.toFixed(0)} °C ≥ MPPT mín.`,
      vmpHot,
      inv.mpptVMinV,
      'V',
      'min',
    ),
    check('vmp_cold_mppt_max', `Vmp a ${climate.recordLowC} °C ≤ MPPT máx.`, vmpCold, inv.mpptVMaxV, 'V', 'max'),
    check(
      'current_per_mppt',
      `${perMppt} string(s) por MPPT × Imp ≤ corrente máx. de entrada`,
      perMppt * m.impA,
      inv.maxInputCurrentA,
      'A',
      'max',
    ),
  ];
}

export interface SizingRequest {
  targetKwp: number;
  modules: CatalogItem[];
  inverters: CatalogItem[];
  connection: Connection;
  roofAreaM2: number;
  climate: SiteClimate;
  dcAcMin: number;
  dcAcMax: number;
  moduleSku?: string;
  inverterSku?: string;
  /** a layout the integrator chose: checked, refused with its margins if it fails */
  layout?: Layout;
}

type ModuleItem = Extract<CatalogItem, { kind: 'module' }>;
type InverterItem = Extract<CatalogItem, { kind: 'inverter' }>;

export interface SizingResult {
  targetKwp: number;
  module: ModuleItem;
  inverter: InverterItem;
  layout: Layout;
  moduleCount: number;
  dcKwp: number;
  acKw: number;
  dcAcRatio: number;
  areaM2: number | null;
  limitedByRoof: boolean;
  checks: ElectricalCheck[];
}

function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return 0;
}

const ALLOWED_PHASES: Record<Connection, number[]> = { mono: [1], bi: [1, 2], tri: [1, 2, 3] };

function byPricePerWatt(a: ModuleItem, b: ModuleItem): number {
  const pa = a.priceBrl === null ? Number.POSITIVE_INFINITY : a.priceBrl / a.specs.pmaxW;
  const pb = b.priceBrl === null ? Number.POSITIVE_INFINITY : b.priceBrl / b.specs.pmaxW;
  return pa - pb || b.specs.pmaxW - a.specs.pmaxW || a.sku.localeCompare(b.sku);
}

function allChecks(m: ModuleItem, inv: InverterItem, layout: Layout, req: SizingRequest): ElectricalCheck[] {
  const count = layout.inverterCount * layout.strings * layout.modulesPerString;
  const ratio = (count * m.specs.pmaxW) / (layout.inverterCount * inv.specs.acPowerW);
  const area = m.specs.lengthM !== null && m.specs.widthM !== null ? count * m.specs.lengthM * m.specs.widthM : null;
  const out = stringChecks(m.specs, inv.specs, layout, req.climate);
  out.push(check('dc_ac_ratio_max', `relação CC/CA ≤ ${req.dcAcMax}`, ratio, req.dcAcMax, '', 'max'));
  out.push({ ...check('dc_ac_ratio_min', `relação CC/CA ≥ ${req.dcAcMin}`, ratio, req.dcAcMin, '', 'min') });
  if (area !== null)
    out.push(check('roof_area', 'área dos módulos ≤ área disponível', area, req.roofAreaM2, 'm²', 'max'));
  return out;
}

function describe(checks: ElectricalCheck[]): string {
  return checks
    .map(
      (c) =>
        `${c.ok ? 'ok' : 'FAIL'} ${c.label}: ${c.value.toFixed(1)} ${c.unit} vs ${c.limit.toFixed(1)} ${c.unit}, margem ${c.margin.toFixed(1)} ${c.unit} (${(c.marginShare * 100).toFixed(1)} %)`,
    )
    .join('; ');
}

function result(
  m: ModuleItem,
  inv: InverterItem,
  layout: Layout,
  req: SizingRequest,
  checks: ElectricalCheck[],
  limitedByRoof: boolean,
): SizingResult {
  const count = layout.inverterCount * layout.strings * layout.modulesPerString;
  return {
    targetKwp: req.targetKwp,
    module: m,
    inverter: inv,
    layout,
    moduleCount: count,
    dcKwp: (count * m.specs.pmaxW) / 1000,
    acKw: (layout.inverterCount * inv.specs.acPowerW) / 1000,
    dcAcRatio: (count * m.specs.pmaxW) / (layout.inverterCount * inv.specs.acPowerW),
    areaM2: m.specs.lengthM !== null && m.specs.widthM !== null ? count * m.specs.lengthM * m.specs.widthM : null,
    limitedByRoof,
    checks,
  };
}

/**
 * Picks the cheapest module per Wp, then the cheapest inverter (and count, up to 4) whose layout
 * passes every check with a module count closest to the target (fewer strings on a tie).
 */
export function sizeSystem(req: SizingRequest): SizingResult {
  const modules = (req.modules.filter((i) => i.kind === 'module') as ModuleItem[])
    .filter((m) => req.moduleSku === undefined || m.sku === req.moduleSku)
    .sort(byPricePerWatt);
  const inverters = (req.inverters.filter((i) => i.kind === 'inverter') as InverterItem[])
    .filter((i) => req.inverterSku === undefined || i.sku === req.inverterSku)
    .filter((i) => ALLOWED_PHASES[req.connection].includes(i.specs.phases))
    .sort(
      (a, b) =>
        (a.priceBrl ?? Number.POSITIVE_INFINITY) - (b.priceBrl ?? Number.POSITIVE_INFINITY) ||
        a.specs.acPowerW - b.specs.acPowerW,
    );
  if (modules.length === 0)
    throw new JobsError(
      'JOBS_SIZING_INFEASIBLE',
      `no module in the catalog${req.moduleSku ? ` with sku ${req.moduleSku}` : ''}`,
    );
  if (inverters.length === 0)
    throw new JobsError(
      'JOBS_SIZING_INFEASIBLE',
      `no inverter in the catalog fits a ${req.connection} connection${req.inverterSku ? ` with sku ${req.inverterSku}` : ''}`,
    );

  if (req.layout) {
    const m = modules[0] as ModuleItem;
    const inv = inverters[0] as InverterItem;
    const checks = allChecks(m, inv, req.layout, req);
    if (checks.some((c) => !c.ok))
      throw new JobsError(
        'JOBS_SIZING_INFEASIBLE',
        `layout ${req.layout.inverterCount}× ${inv.sku} with ${req.layout.strings} string(s) of ${req.layout.modulesPerString} × ${m.sku} refused: ${describe(checks.filter((c) => !c.ok))}`,
        { details: { checks } },
      );
    return result(m, inv, req.layout, req, checks, false);
  }

  for (const m of modules) {
    const footprint = m.specs.lengthM !== null && m.specs.widthM !== null ? m.specs.lengthM * m.specs.widthM : null;
    const roofMax = footprint === null ? Number.POSITIVE_INFINITY : Math.floor(req.roofAreaM2 / footprint);
    const wanted = Math.max(1, Math.ceil((req.targetKwp * 1000) / m.specs.pmaxW));
    const target = Math.min(wanted, roofMax);
    if (target < 1) continue;
    let best: { inv: InverterItem; layout: Layout; checks: ElectricalCheck[]; key: number[] } | undefined;
    for (const inv of inverters)
      for (let k = 1; k <= 4; k++)
        for (let ns = 1; ns <= 40; ns++)
          for (let s = 1; s <= inv.specs.mpptCount * 4; s++) {
            const count = k * ns * s;
            if (count > roofMax) continue;
            const layout = { inverterCount: k, modulesPerString: ns, strings: s };
            // closest module count first, then the cheapest inverters, then fewer strings
            const key = [Math.abs(count - target), k * (inv.priceBrl ?? 1e12), s];
            if (best && compareKeys(key, best.key) >= 0) continue;
            const checks = allChecks(m, inv, layout, req);
            if (checks.some((c) => !c.ok)) continue;
            best = { inv, layout, checks, key };
          }
    if (best && (best.key[0] as number) <= Math.max(2, target * 0.15))
      return result(m, best.inv, best.layout, req, best.checks, roofMax < wanted);
  }
  throw new JobsError(
    'JOBS_SIZING_INFEASIBLE',
    `no module/inverter/string layout near ${req.targetKwp.toFixed(2)} kWp passes the voltage, current, DC/AC ${req.dcAcMin}–${req.dcAcMax} and roof checks`,
  );
}
