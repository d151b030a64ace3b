import { foldKey, parseDecimal, parsePercentAsFraction } from '../parsing/numbers.ts';
import { canonicalBrand, powerFromModel, skuOf } from './brands.ts';
import type { InverterSpecs, ModuleSpecs } from './catalog-item.ts';
import { type Draft, type NormalizeResult, validateInverter, validateModule, validatePrice } from './validate.ts';

/**
 * Supplier feeds: spreadsheets exported as CSV, each in its own shape. Columns are recognised by
 * their folded header (see FIELDS, README "Supplier feeds"); the decimal separator follows the
 * delimiter (';' files use decimal commas, ',' and tab files decimal points).
 */
type Field =
  | 'brand'
  | 'model'
  | 'kind'
  | 'pmaxW'
  | 'pmaxKw'
  | 'efficiency'
  | 'vmpV'
  | 'impA'
  | 'vocV'
  | 'iscA'
  | 'gammaPct'
  | 'betaPct'
  | 'noctC'
  | 'lengthMm'
  | 'widthMm'
  | 'weightKg'
  | 'dimensions'
  | 'cellType'
  | 'acPowerW'
  | 'acPowerKw'
  | 'maxDcVoltageV'
  | 'mpptCount'
  | 'mpptRange'
  | 'mpptVMinV'
  | 'mpptVMaxV'
  | 'maxInputCurrentA'
  | 'phases'
  | 'priceBrl'
  | 'priceUsd'
  | 'currency';

/** Folded header spellings of each field. */
export const FIELDS: Record<Field, string[]> = {
  brand: ['fabricante', 'marca', 'brand', 'manufacturer', 'fornecedor_fabricante'],
  model: ['modelo', 'model', 'descricao', 'produto', 'descricao_do_produto', 'item', 'part_number'],
  kind: ['tipo', 'categoria', 'category', 'kind', 'type', 'familia', 'tipo_de_produto'],
  pmaxW: [
    'potencia_w',
    'potencia',
    'pmax',
    'pmax_w',
    'potencia_nominal_w',
    'potencia_wp',
    'power_w',
    'potencia_pico_wp',
  ],
  pmaxKw: ['potencia_kw', 'potencia_nominal_kw', 'power_kw'],
  efficiency: ['eficiencia', 'eficiencia_pct', 'efficiency', 'eficiencia_do_modulo', 'eficiencia_maxima', 'rendimento'],
  vmpV: ['vmp', 'vmp_v', 'vmpp', 'vmpp_v', 'tensao_mpp_v', 'tensao_de_maxima_potencia_v'],
  impA: ['imp', 'imp_a', 'impp', 'impp_a', 'corrente_mpp_a', 'corrente_de_maxima_potencia_a'],
  vocV: ['voc', 'voc_v', 'tensao_circuito_aberto_v', 'tensao_de_circuito_aberto_v'],
  iscA: ['isc', 'isc_a', 'corrente_curto_circuito_a', 'corrente_de_curto_circuito_a'],
  gammaPct: [
    'coef_temp_pmax',
    'coef_temp_pmax_c',
    'coef_pmax',
    'temp_coef_pmax',
    'coeficiente_temperatura_pmax',
    'gamma_pmax',
  ],
  betaPct: ['coef_temp_voc', 'coef_temp_voc_c', 'coef_voc', 'temp_coef_voc', 'coeficiente_temperatura_voc', 'beta_voc'],
  noctC: ['noct', 'noct_c', 'temperatura_noct', 'nmot', 'nmot_c'],
  lengthMm: ['comprimento_mm', 'comprimento', 'length_mm'],
  widthMm: ['largura_mm', 'largura', 'width_mm'],
  weightKg: ['peso_kg', 'peso', 'weight_kg'],
  dimensions: ['dimensoes', 'dimensoes_mm', 'dimensions_mm', 'dimensions'],
  cellType: ['tipo_de_celula', 'celula', 'cell_type', 'tecnologia', 'tecnologia_da_celula'],
  acPowerW: ['potencia_ac_w', 'potencia_nominal_ac_w', 'pac_w', 'ac_power_w'],
  acPowerKw: ['potencia_ac_kw', 'potencia_nominal_ac_kw', 'pac_kw', 'ac_power_kw'],
  maxDcVoltageV: ['tensao_max_cc_v', 'tensao_max_cc', 'tensao_maxima_cc_v', 'vdc_max', 'vdc_max_v', 'max_dc_voltage_v'],
  mpptCount: [
    'mppts',
    'mppt',
    'num_mppt',
    'n_mppt',
    'n_de_mppt',
    'no_de_mppt',
    'qtd_mppt',
    'numero_de_mppt',
    'mppt_count',
  ],
  mpptRange: ['faixa_mppt', 'faixa_mppt_v', 'faixa_de_tensao_mppt_v', 'mppt_range_v'],
  mpptVMinV: ['mppt_min_v', 'tensao_mppt_min_v'],
  mpptVMaxV: ['mppt_max_v', 'tensao_mppt_max_v'],
  maxInputCurrentA: [
    'corrente_max_entrada_a',
    'corrente_max_entrada',
    'corrente_maxima_por_mppt_a',
    'imax_cc_a',
    'max_input_current_a',
  ],
  phases: ['fases', 'phases', 'n_fases', 'numero_de_fases'],
  priceBrl: ['preco', 'preco_r', 'preco_brl', 'preco_unitario_r', 'valor', 'valor_unitario', 'valor_r', 'price_brl'],
  priceUsd: ['preco_usd', 'price_usd', 'preco_us'],
  currency: ['moeda', 'currency'],
};

const BY_HEADER = new Map<string, Field>();
for (const [field, names] of Object.entries(FIELDS) as Array<[Field, string[]]>)
  for (const n of names) BY_HEADER.set(n, field);

/** Which header of a file carries which field (unknown headers are kept in raw, ignored here). */
export function mapHeader(header: readonly string[]): Partial<Record<Field, string>> {
  const out: Partial<Record<Field, string>> = {};
  for (const h of header) {
    const f = BY_HEADER.get(foldKey(h));
    if (f && !(f in out)) out[f] = h;
  }
  return out;
}

const MODULE_WORDS = /^(modulo|modulos|painel|placa|module|panel|pv|fv|modulo_fotovoltaico|painel_solar)$/;
const INVERTER_WORDS =
  /^(inversor|inversores|inverter|microinversor|micro_inversor|microinverter|inversor_string|inversor_hibrido)$/;

export function kindOf(raw: string | undefined): 'module' | 'inverter' | 'other' | null {
  if (raw === undefined || raw.trim() === '') return null;
  const k = foldKey(raw);
  if (MODULE_WORDS.test(k)) return 'module';
  if (INVERTER_WORDS.test(k)) return 'inverter';
  return 'other';
}

export function phasesOf(raw: string | undefined): 1 | 2 | 3 | null | typeof Number.NaN {
  if (raw === undefined || raw.trim() === '') return null;
  const k = foldKey(raw);
  if (/^(1|mono|monofasico|single|single_phase|1f)$/.test(k)) return 1;
  if (/^(2|bi|bifasico|split_phase|2f)$/.test(k)) return 2;
  if (/^(3|tri|trifasico|three_phase|3f)$/.test(k)) return 3;
  return Number.NaN;
}

/** "200-800", "200 ~ 800 V", "200 a 800" -> [200, 800]. */
export function parseRange(raw: string | undefined, decimal: ',' | '.'): [number, number] | null | undefined {
  if (raw === undefined || raw.trim() === '') return null;
  const parts = raw.replace(/v/gi, '').split(/\s*(?:-|~|–|\ba\b|\bto\b)\s*/i);
  if (parts.length !== 2) return undefined;
  const [a, b] = parts.map((p) => parseDecimal(p, decimal));
  if (a == null || b == null || Number.isNaN(a) || Number.isNaN(b)) return undefined;
  return [a, b];
}

/** "2278x1134x35" (mm) -> length and width in metres. */
function parseDimensions(raw: string | undefined, decimal: ',' | '.'): [number, number] | null {
  if (!raw?.trim()) return null;
  const parts = raw.split(/\s*[x×*]\s*/i).map((p) => parseDecimal(p.replace(/mm/i, ''), decimal));
  if (parts.length < 2 || parts.some((p) => p === null || Number.isNaN(p))) return null;
  return [(parts[0] as number) / 1000, (parts[1] as number) / 1000];
}

/** Types one supplier row; the first reason it cannot enter the catalog is the quarantine reason. */
export function normalizeFeedRow(
  record: Record<string, string>,
  columns: Partial<Record<Field, string>>,
  decimal: ',' | '.',
  source: string,
): NormalizeResult {
  const cell = (f: Field) => (columns[f] === undefined ? undefined : record[columns[f] as string]);
  const num = (f: Field) => parseDecimal(cell(f), decimal);
  const brandRaw = cell('brand')?.trim();
  const model = cell('model')?.trim().replace(/\s+/g, ' ');
  if (!brandRaw) return { ok: false, reason: 'missing brand' };
  if (!model) return { ok: false, reason: 'missing model' };
  let kind = kindOf(cell('kind'));
  if (kind === null)
    kind = columns.acPowerW || columns.acPowerKw || columns.mpptCount ? 'inverter' : columns.pmaxW ? 'module' : null;
  if (kind === null) return { ok: false, reason: 'cannot tell the product kind (no kind column, no power column)' };
  if (kind === 'other') return { ok: false, reason: `kind "${cell('kind')}" is not carried by the catalog` };

  const usd = num('priceUsd');
  let price = num('priceBrl');
  let currency: string | null = price === null ? null : (cell('currency')?.trim().toUpperCase() ?? 'BRL') || 'BRL';
  if (price === null && usd !== null) {
    price = usd;
    currency = 'USD';
  }
  const badPrice = validatePrice(price);
  if (badPrice) return { ok: false, reason: badPrice };

  const b = canonicalBrand(brandRaw);
  const base = { source, brand: b.brand, brandKnown: b.known, model, price, currency };
  if (kind === 'module') {
    let pmax = num('pmaxW');
    if (pmax === null && num('pmaxKw') !== null) pmax = (num('pmaxKw') as number) * 1000;
    if (pmax === null) pmax = powerFromModel(model);
    const dims = parseDimensions(cell('dimensions'), decimal);
    const mm = (f: Field) => {
      const v = num(f);
      return v === null || Number.isNaN(v) ? v : v / 1000;
    };
    const lengthM = dims?.[0] ?? mm('lengthMm');
    const widthM = dims?.[1] ?? mm('widthMm');
    let efficiency = parsePercentAsFraction(cell('efficiency'), decimal);
    if (efficiency === null && pmax !== null && lengthM && widthM) efficiency = pmax / (lengthM * widthM * 1000);
    const pct = (f: Field) => {
      const v = num(f);
      return v === null || Number.isNaN(v) ? v : v / 100;
    };
    const draft: Draft<ModuleSpecs> = {
      pmaxW: pmax,
      vmpV: num('vmpV'),
      impA: num('impA'),
      vocV: num('vocV'),
      iscA: num('iscA'),
      efficiency,
      gammaPmaxPerK: pct('gammaPct'),
      betaVocPerK: pct('betaPct'),
      noctC: num('noctC'),
      lengthM,
      widthM,
      weightKg: num('weightKg'),
      cellType: cell('cellType')?.trim() || null,
    };
    const v = validateModule(draft);
    if ('reason' in v) return { ok: false, reason: v.reason };
    return { ok: true, item: { ...base, kind: 'module', sku: skuOf('module', b.brand, model), specs: v.specs } };
  }
  // An inverter's "power" column in a mixed feed is its AC rating.
  let ac = num('acPowerW');
  if (ac === null && num('acPowerKw') !== null) ac = (num('acPowerKw') as number) * 1000;
  if (ac === null && num('pmaxKw') !== null) ac = (num('pmaxKw') as number) * 1000;
  if (ac === null) ac = num('pmaxW');
  const range = parseRange(cell('mpptRange'), decimal);
  if (range === undefined) return { ok: false, reason: `unreadable MPPT range "${cell('mpptRange')}"` };
  const phases = phasesOf(cell('phases'));
  const draft: Draft<InverterSpecs> = {
    acPowerW: ac,
    maxDcVoltageV: num('maxDcVoltageV'),
    mpptCount: num('mpptCount'),
    mpptVMinV: range?.[0] ?? num('mpptVMinV'),
    mpptVMaxV: range?.[1] ?? num('mpptVMaxV'),
    maxInputCurrentA: num('maxInputCurrentA'),
    efficiency: parsePercentAsFraction(cell('efficiency'), decimal),
    phases: phases as 1 | 2 | 3 | null,
  };
  const v = validateInverter(draft);
  if ('reason' in v) return { ok: false, reason: v.reason };
  return { ok: true, item: { ...base, kind: 'inverter', sku: skuOf('inverter', b.brand, model), specs: v.specs } };
}
