import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fv, ipmt, irr, mirr, nper, npv, payback, pmt, ppmt, pv, rate, type When } from './finance.ts';

const vectors = JSON.parse(readFileSync(new URL('../../data/finance/vectors.json', import.meta.url), 'utf8'));

/** numpy.testing.assert_allclose semantics: |a - e| <= atol + rtol·|e| (default rtol 1e-7 as numpy). */
function close(actual: number | null, expected: number, rtol = 1e-7, atol = 0) {
  expect(actual).not.toBeNull();
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(atol + rtol * Math.abs(expected));
}
/** Expected values in the source tests written with few decimals are checked at their written precision. */
function decimalsOf(x: number): number {
  const s = String(x);
  return s.includes('.') ? (s.split('.')[1] as string).length : 0;
}

describe('numpy-financial parity (data/finance/vectors.json)', () => {
  for (const v of vectors.irr as Array<{
    cashflows: number[];
    expected_irr: number;
    rtol: number;
    [k: string]: unknown;
  }>)
    it(`irr ${v.cashflows.slice(0, 6).join(',')}`, () => {
      const r = irr(v.cashflows);
      close(r, v.expected_irr, v.rtol);
      // and it is a root: npv at the rate is ~0 relative to the flows
      const scale = v.cashflows.reduce((a, b) => a + Math.abs(b), 0);
      expect(Math.abs(npv(r as number, v.cashflows)) / scale).toBeLessThan(1e-9);
      // the root picked is the one numpy-financial picks among all real roots
      const roots = v['independent_check_all_real_roots_in_(-0.99,10)'] as number[];
      expect(roots.some((x) => Math.abs(x - (r as number)) < 1e-6)).toBe(true);
    });

  for (const v of vectors.irr_no_solution as Array<{ cashflows: number[] }>)
    it(`irr without sign change is no IRR: ${v.cashflows.join(',')}`, () => {
      expect(irr(v.cashflows)).toBeNull();
    });

  it('npv(irr(cf), cf) == 0', () => {
    const c = vectors.irr_npv_congruence;
    const r = irr(c.cashflows) as number;
    close(r, c.independent_irr, 1e-9);
    expect(Math.abs(npv(r, c.cashflows))).toBeLessThan(1e-6);
  });

  for (const v of vectors.npv)
    it(`npv at ${v.rate}`, () => {
      const got = npv(v.rate, v.cashflows);
      if (v.expected_npv === null) expect(got).toBeNaN();
      else {
        close(got, v.expected_npv, v.rtol);
        close(got, v.independent_check, 1e-6);
      }
    });

  for (const v of vectors.mirr)
    it(`mirr ${v.values.join(',')}`, () => {
      const got = mirr(v.values, v.finance_rate, v.reinvest_rate);
      if (v.expected_mirr === null) expect(got).toBeNull();
      else close(got, v.expected_mirr, 0, v.atol);
    });

  for (const [i, v] of (
    vectors.tvm as Array<{
      fn: string;
      source_test: string;
      rate: number;
      nper: number;
      pv: number;
      fv: number;
      pmt: number;
      per: number;
      when: When;
      expected: number;
      rtol?: number;
      independent_check: number;
    }>
  ).entries())
    it(`tvm ${i} ${v.fn} ${v.source_test}`, () => {
      const when = v.when as When;
      let got: number | null;
      switch (v.fn) {
        case 'pmt':
          got = pmt(v.rate, v.nper, v.pv, v.fv, when);
          break;
        case 'pv':
          got = pv(v.rate, v.nper, v.pmt, v.fv, when);
          break;
        case 'fv':
          got = fv(v.rate, v.nper, v.pmt, v.pv, when);
          break;
        case 'nper':
          got = nper(v.rate, v.pmt, v.pv, v.fv, when);
          break;
        case 'rate':
          got = rate(v.nper, v.pmt, v.pv, v.fv, when);
          break;
        case 'ppmt':
          got = ppmt(v.rate, v.per, v.nper, v.pv, v.fv, when);
          break;
        default:
          throw new Error(`no function ${v.fn}`);
      }
      // numpy's default assert_allclose rtol is 1e-7; values written with few decimals are exact to those decimals
      const rtol = v.rtol ?? 1e-7;
      const atol = v.rtol === undefined ? 0.5 * 10 ** -decimalsOf(v.expected) : 0;
      close(got, v.expected, rtol, atol);
      close(got, v.independent_check, 1e-7, 1e-8);
    });

  it('ipmt + ppmt = pmt, and the interest of the first period is pv·rate', () => {
    const r = 0.1 / 12;
    expect(ipmt(r, 1, 24, 2000)).toBeCloseTo(-16.666667, 6);
    expect(ipmt(r, 1, 24, 2000) + ppmt(r, 1, 24, 2000)).toBeCloseTo(pmt(r, 24, 2000), 10);
    expect(ipmt(r, 1, 24, 2000, 0, 'begin')).toBe(0);
  });

  for (const v of vectors.payback_derived_by_helper)
    it(`payback ${v.cashflows.join(',')}`, () => {
      close(payback(v.cashflows), v.simple_payback_years_linear_interp, 1e-9);
      close(payback(v.cashflows, 0.05), v.discounted_payback_at_5pct_linear_interp, 1e-9);
    });

  it('payback is null when the flows never recover', () => {
    expect(payback([-100, 10, 10])).toBeNull();
  });
});
