/**
 * Time-value-of-money functions with numpy-financial's conventions (numpy_financial 1.x), so a
 * proposal's IRR/NPV can be reproduced in Python: `npv` does NOT discount values[0] (Excel's NPV
 * does); `when` 'end' = payments at the end of each period; money paid out is negative; an IRR of
 * flows without a sign change is "no IRR" (null), never a number. Checked against every vector of
 * ../shared/data/finance/vectors.json (finance.test.ts).
 */
export type When = 'end' | 'begin';
const w = (when: When) => (when === 'begin' ? 1 : 0);

/** npf.npv: Σ values[t] / (1+rate)^t, t = 0…n-1. NaN for rate = -1. */
export function npv(rate: number, values: readonly number[]): number {
  if (rate === -1) return Number.NaN;
  let s = 0;
  for (let t = 0; t < values.length; t++) s += (values[t] as number) / (1 + rate) ** t;
  return s;
}

/** npf.pmt */
export function pmt(rate: number, nper: number, pv: number, fv = 0, when: When = 'end'): number {
  const temp = (1 + rate) ** nper;
  const fact = rate === 0 ? nper : ((1 + rate * w(when)) * (temp - 1)) / rate;
  return -(fv + pv * temp) / fact;
}

/** npf.pv */
export function pv(rate: number, nper: number, payment: number, fv = 0, when: When = 'end'): number {
  const temp = (1 + rate) ** nper;
  const fact = rate === 0 ? nper : ((1 + rate * w(when)) * (temp - 1)) / rate;
  return -(fv + payment * fact) / temp;
}

/** npf.fv */
export function fv(rate: number, nper: number, payment: number, pvalue: number, when: When = 'end'): number {
  const temp = (1 + rate) ** nper;
  const fact = rate === 0 ? nper : ((1 + rate * w(when)) * (temp - 1)) / rate;
  return -(pvalue * temp + payment * fact);
}

/** npf.nper */
export function nper(rate: number, payment: number, pvalue: number, fvalue = 0, when: When = 'end'): number {
  if (rate === 0) return -(fvalue + pvalue) / payment;
  const z = (payment * (1 + rate * w(when))) / rate;
  return Math.log((-fvalue + z) / (pvalue + z)) / Math.log(1 + rate);
}

/** npf.ipmt: the interest part of payment number `per` (1-based). */
export function ipmt(rate: number, per: number, n: number, pvalue: number, fvalue = 0, when: When = 'end'): number {
  const total = pmt(rate, n, pvalue, fvalue, when);
  if (when === 'begin' && per === 1) return 0;
  let interest = fv(rate, per - 1, total, pvalue, when) * rate;
  if (when === 'begin') interest /= 1 + rate;
  return interest;
}

/** npf.ppmt: the principal part of payment number `per`. */
export function ppmt(rate: number, per: number, n: number, pvalue: number, fvalue = 0, when: When = 'end'): number {
  return pmt(rate, n, pvalue, fvalue, when) - ipmt(rate, per, n, pvalue, fvalue, when);
}

/** npf.rate: Newton's method from `guess`, as numpy-financial iterates it (tol 1e-6, 100 iterations); null if it does not converge. */
export function rate(
  n: number,
  payment: number,
  pvalue: number,
  fvalue: number,
  when: When = 'end',
  guess = 0.1,
  tol = 1e-6,
  maxiter = 100,
): number | null {
  const k = w(when);
  let r = guess;
  for (let i = 0; i < maxiter; i++) {
    const t1 = (r + 1) ** n;
    const t2 = (r + 1) ** (n - 1);
    const g = fvalue + t1 * pvalue + (payment * (t1 - 1) * (r * k + 1)) / r;
    const gp =
      n * t2 * pvalue -
      (payment * (t1 - 1) * (r * k + 1)) / r ** 2 +
      (n * payment * t2 * (r * k + 1)) / r +
      (payment * (t1 - 1) * k) / r;
    const next = r - g / gp;
    if (Math.abs(next - r) < tol) return next;
    r = next;
  }
  return null;
}

/**
 * npf.irr: every real root of the NPV polynomial with 1/(1+r) > 0 is found (sign changes on a
 * fine logarithmic grid, then bisection); with one root it is the answer; with several of mixed
 * sign, numpy-financial keeps the non-negative ones when Σ positive flows ≥ Σ negative flows
 * (else the negative ones), then returns the one smallest in magnitude. No root → null.
 */
export function irr(values: readonly number[]): number | null {
  const hasPos = values.some((v) => v > 0);
  const hasNeg = values.some((v) => v < 0);
  if (!hasPos || !hasNeg) return null;
  // p(x) = Σ v_t x^t with x = 1/(1+r); r ∈ (-1, ∞) ⇔ x ∈ (0, ∞)
  const p = (x: number) => {
    let s = 0;
    for (let t = values.length - 1; t >= 0; t--) s = s * x + (values[t] as number);
    return s;
  };
  const roots: number[] = [];
  const lo = Math.log(1e-4);
  const hi = Math.log(1e4);
  const steps = 40_000;
  let xPrev = Math.exp(lo);
  let fPrev = p(xPrev);
  for (let i = 1; i <= steps; i++) {
    const x = Math.exp(lo + ((hi - lo) * i) / steps);
    const f = p(x);
    if (f === 0) roots.push(x);
    else if (fPrev !== 0 && Math.sign(f) !== Math.sign(fPrev)) {
      let a = xPrev;
      let b = x;
      let fa = fPrev;
      for (let j = 0; j < 200 && b - a > 1e-16 * b; j++) {
        const m = (a + b) / 2;
        const fm = p(m);
        if (fm === 0) {
          a = b = m;
          break;
        }
        if (Math.sign(fm) === Math.sign(fa)) {
          a = m;
          fa = fm;
        } else b = m;
      }
      roots.push((a + b) / 2);
    }
    xPrev = x;
    fPrev = f;
  }
  let rates = roots.map((x) => 1 / x - 1);
  if (rates.length === 0) return null;
  if (rates.length === 1) return rates[0] as number;
  const sameSign = rates.every((r) => r > 0) || rates.every((r) => r < 0);
  if (!sameSign) {
    const pos = values.filter((v) => v > 0).reduce((a, b) => a + b, 0);
    const neg = values.filter((v) => v < 0).reduce((a, b) => a + b, 0);
    rates = pos >= neg ? rates.filter((r) => r >= 0) : rates.filter((r) => r < 0);
  }
  return rates.reduce((best, r) => (Math.abs(r) < Math.abs(best) ? r : best));
}

/** npf.mirr; NaN-like null when the flows lack a positive or a negative value. */
export function mirr(values: readonly number[], financeRate: number, reinvestRate: number): number | null {
  const n = values.length;
  const positives = values.map((v) => Math.max(v, 0));
  const negatives = values.map((v) => Math.min(v, 0));
  if (!positives.some((v) => v > 0) || !negatives.some((v) => v < 0)) return null;
  const numer = Math.abs(npv(reinvestRate, positives));
  const denom = Math.abs(npv(financeRate, negatives));
  return (numer / denom) ** (1 / (n - 1)) * (1 + reinvestRate) - 1;
}

/**
 * Years until the cumulative (optionally discounted at `discountRate`, values[t] / (1+r)^t) cash
 * flow reaches zero, interpolating linearly inside the year it turns; null if it never does.
 */
export function payback(values: readonly number[], discountRate = 0): number | null {
  let cum = 0;
  for (let t = 0; t < values.length; t++) {
    const v = (values[t] as number) / (1 + discountRate) ** t;
    const before = cum;
    cum += v;
    if (t > 0 && before < 0 && cum >= 0) return t - 1 + -before / v;
    if (t === 0 && cum >= 0) return 0;
  }
  return null;
}
