/**
 * The headline figures of a proposal as the console shows them. The proposal JSON is the batch
 * side's document (inputs, assumptions, sizing, generation, finance); the console reads the
 * figures it needs by name wherever they sit in it, so a nested layout (`finance.irr`,
 * `generation.monthlyKwh`) and a flat one both display.
 */
export interface ProposalFigures {
  systemKwp: number | null;
  annualKwh: number | null;
  monthlyKwh: number[] | null;
  monthlyConsumptionKwh: number[] | null;
  irr: number | null;
  npv: number | null;
  paybackYears: number | null;
  lcoe: number | null;
  billBefore: number | null;
  billAfter: number | null;
}

const NAMES: Record<Exclude<keyof ProposalFigures, 'monthlyKwh' | 'monthlyConsumptionKwh'>, string[]> = {
  systemKwp: ['systemKwp', 'kwp', 'dcKwp', 'sizeKwp'],
  annualKwh: ['annualKwh', 'yearlyKwh', 'firstYearKwh', 'annualGenerationKwh'],
  irr: ['irr', 'tir'],
  npv: ['npv', 'npvBrl', 'vpl'],
  paybackYears: ['paybackYears', 'simplePaybackYears', 'payback'],
  lcoe: ['lcoe', 'lcoeBrlPerKwh'],
  billBefore: ['billBefore', 'monthlyBillBefore', 'billBeforeBrl'],
  billAfter: ['billAfter', 'monthlyBillAfter', 'billAfterBrl'],
};

type Json = unknown;

/** Breadth-first: the shallowest field with one of the names wins. */
function find(doc: Json, names: string[], accept: (v: unknown) => boolean): unknown {
  let level: Json[] = [doc];
  for (let depth = 0; depth < 6 && level.length > 0; depth++) {
    const next: Json[] = [];
    for (const node of level) {
      if (!node || typeof node !== 'object' || Array.isArray(node)) continue;
      const rec = node as Record<string, unknown>;
      for (const n of names) if (n in rec && accept(rec[n])) return rec[n];
      for (const v of Object.values(rec)) if (v && typeof v === 'object' && !Array.isArray(v)) next.push(v);
    }
    level = next;
  }
  return undefined;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isMonthly = (v: unknown): v is number[] => Array.isArray(v) && v.length === 12 && v.every(isNum);

export function proposalFigures(doc: Json): ProposalFigures {
  const out = {} as ProposalFigures;
  for (const [key, names] of Object.entries(NAMES)) {
    const v = find(doc, names, isNum);
    (out as unknown as Record<string, number | null>)[key] = isNum(v) ? v : null;
  }
  // The batch side's proposal names both series `monthlyKwh`, under `generation` and `consumption`.
  const under = (key: string) => {
    const part = doc && typeof doc === 'object' ? (doc as Record<string, unknown>)[key] : undefined;
    const v = part && typeof part === 'object' ? (part as Record<string, unknown>).monthlyKwh : undefined;
    return isMonthly(v) ? v : undefined;
  };
  const monthly = under('generation') ?? find(doc, ['monthlyKwh', 'monthlyGenerationKwh', 'generationKwh'], isMonthly);
  out.monthlyKwh = isMonthly(monthly) ? monthly : null;
  const consumption = under('consumption') ?? find(doc, ['monthlyConsumptionKwh', 'consumptionKwh'], isMonthly);
  out.monthlyConsumptionKwh = isMonthly(consumption) ? consumption : null;
  if (out.annualKwh === null && out.monthlyKwh) out.annualKwh = out.monthlyKwh.reduce((a, b) => a + b, 0);
  return out;
}

/** The customer's name: the quote's `customer: {name, class}` or a plain string. */
export function proposalCustomer(doc: Json): string | null {
  const c = doc && typeof doc === 'object' ? (doc as Record<string, unknown>).customer : undefined;
  if (typeof c === 'string') return c || null;
  const name = c && typeof c === 'object' ? (c as Record<string, unknown>).name : undefined;
  return typeof name === 'string' && name ? name : null;
}
