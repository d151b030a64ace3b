import { describe, expect, it } from 'vitest';
import { JobsError } from '../errors.ts';
import { sizeSystem, stringChecks } from './sizing.ts';
import { FIXTURE_CATALOG, INVERTER_3K, INVERTER_5K, MODULE_550 } from './testing/catalog-fixture.ts';

const climate = { recordLowC: 0, recordHighC: 40 };
const req = {
  modules: FIXTURE_CATALOG,
  inverters: FIXTURE_CATALOG,
  connection: 'mono' as const,
  roofAreaM2: 40,
  climate,
  dcAcMin: 0.8,
  dcAcMax: 1.35,
};

describe('string sizing', () => {
  it('refuses a layout above the max DC voltage at the record low temperature, with the margin', () => {
    // 12 × 49.9 V × (1 − 0.0028·(0 − 25)) = 12 × 49.9 × 1.07 = 640.73 V > 550 V: margin −90.73 V
    let err: unknown;
    try {
      sizeSystem({
        ...req,
        targetKwp: 6.6,
        moduleSku: 'mod-550-m72',
        inverterSku: 'inv-5k-1p',
        layout: { inverterCount: 1, modulesPerString: 12, strings: 1 },
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(JobsError);
    expect((err as JobsError).code).toBe('JOBS_SIZING_INFEASIBLE');
    expect((err as JobsError).message).toContain('640.7 V vs 550.0 V, margem -90.7 V');
    const checks = (err as JobsError).details?.checks as Array<{ name: string; margin: number; ok: boolean }>;
    const voc = checks.find((c) => c.name === 'voc_cold_max_dc');
    expect(voc?.ok).toBe(false);
    expect(voc?.margin).toBeCloseTo(550 - 12 * 49.9 * 1.07, 9);
  });

  it('the same string passes on a warmer site with its margin shown', () => {
    // record low 20 °C: 12 × 49.9 × 1.014 = 607.2 V — still above 550; 10 modules: 10 × 49.9 × 1.014 = 505.99 V
    const checks = stringChecks(
      MODULE_550.kind === 'module' ? MODULE_550.specs : (undefined as never),
      INVERTER_5K.kind === 'inverter' ? INVERTER_5K.specs : (undefined as never),
      { inverterCount: 1, modulesPerString: 10, strings: 1 },
      { recordLowC: 20, recordHighC: 40 },
    );
    const voc = checks.find((c) => c.name === 'voc_cold_max_dc');
    expect(voc?.value).toBeCloseTo(10 * 49.9 * 1.014, 9);
    expect(voc?.margin).toBeCloseTo(550 - 505.986, 6);
    // hot cell 40 + 25/800·1000 = 71.25 °C: Vmp = 10 × 41.95 × (1 − 0.0028·46.25) = 365.2 V ≥ 80 V
    expect(checks.find((c) => c.name === 'vmp_hot_mppt_min')?.value).toBeCloseTo(10 * 41.95 * (1 - 0.0028 * 46.25), 9);
    expect(checks.every((c) => c.ok)).toBe(true);
  });

  it('two strings on the one MPPT of the 3 kW inverter exceed its input current', () => {
    const checks = stringChecks(
      MODULE_550.kind === 'module' ? MODULE_550.specs : (undefined as never),
      INVERTER_3K.kind === 'inverter' ? INVERTER_3K.specs : (undefined as never),
      { inverterCount: 1, modulesPerString: 3, strings: 2 },
      climate,
    );
    const current = checks.find((c) => c.name === 'current_per_mppt');
    expect(current?.value).toBeCloseTo(26.24, 9);
    expect(current?.ok).toBe(false);
  });

  it('picks the cheapest module per Wp and an inverter within the DC/AC band', () => {
    // target 4.4 kWp → 8 × 550 W (R$ 1.31/Wp beats the 410 W module at R$ 1.56/Wp).
    // The 3 kW inverter is cheaper but 4.4/3 = 1.47 is above 1.35: the 5 kW one is chosen (0.88).
    const r = sizeSystem({ ...req, targetKwp: 4.4 });
    expect(r.module.sku).toBe('mod-550-m72');
    expect(r.inverter.sku).toBe('inv-5k-1p');
    expect(r.moduleCount).toBe(8);
    expect(r.dcKwp).toBeCloseTo(4.4, 9);
    expect(r.dcAcRatio).toBeCloseTo(0.88, 9);
    expect(r.checks.every((c) => c.ok)).toBe(true);
  });

  it('is limited by the roof area', () => {
    // 2.278 × 1.134 = 2.583 m² per module: 20 m² holds 7 modules
    const r = sizeSystem({ ...req, targetKwp: 6.6, roofAreaM2: 20 });
    expect(r.moduleCount).toBeLessThanOrEqual(7);
    expect(r.limitedByRoof).toBe(true);
  });

  it('a trifásico B3 system uses the three-phase inverter when the single-phase ones cannot carry it', () => {
    const r = sizeSystem({ ...req, connection: 'tri', targetKwp: 11, roofAreaM2: 200 });
    expect(r.dcKwp).toBeGreaterThan(9.5);
    expect(r.checks.every((c) => c.ok)).toBe(true);
  });
});
