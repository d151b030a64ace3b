import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { JobsError } from '../errors.ts';
import type { TariffQuote } from '../tarifas/tariff-quote.ts';
import type { Irradiance } from './irradiance.ts';
import { generateProposal } from './proposal.ts';
import { parseQuote, quoteErrors } from './quote.ts';
import { FIXTURE_CATALOG } from './testing/catalog-fixture.ts';

const example = JSON.parse(readFileSync(new URL('../../../examples/quote-b1.json', import.meta.url), 'utf8'));
const given = (q: typeof example): Irradiance => ({
  kind: 'ghi',
  ghiKwhM2Day: q.irradiance.ghiKwhM2Day,
  ambientC: null,
  source: `quote: ${q.irradiance.label}`,
  detail: {},
});

describe('quote validation', () => {
  it('reports one clear line per bad field, all at once', () => {
    const bad = {
      ...example,
      uf: 'mg',
      connection: 'quad',
      consumption: { monthlyKwh: [1, 2, 3] },
      roof: { ...example.roof, tiltDeg: 120 },
    };
    const errors = quoteErrors(bad);
    expect(errors.some((e) => e.startsWith('/uf:'))).toBe(true);
    expect(errors.some((e) => e.startsWith('/connection:'))).toBe(true);
    expect(errors.some((e) => e.startsWith('/consumption'))).toBe(true);
    expect(errors.some((e) => e.startsWith('/roof/tiltDeg:'))).toBe(true);
    expect(() => parseQuote(bad)).toThrow(JobsError);
  });
  it('catches cross-field mistakes', () => {
    expect(quoteErrors({ ...example, tariff: { ...example.tariff, tusdFioBBrlPerKwh: 0.9 } })).toEqual([
      '/tariff/tusdFioBBrlPerKwh: Fio B is a part of the TUSD and cannot exceed it',
    ]);
  });
  it('the example quote is valid', () => {
    expect(quoteErrors(example)).toEqual([]);
  });
});

describe('proposal from the example B1 quote', async () => {
  const q = parseQuote(example);
  const p = await generateProposal(q, {
    catalog: FIXTURE_CATALOG,
    catalogVersion: 'exemplo-1',
    irradiance: given(q),
    today: '2026-12-01',
  });

  it('sizes to offset consumption above the disponibilidade and passes every check', () => {
    // Σ max(C − 50, 0) = 5575 − 12·50 = 4975 kWh
    expect(p.consumption.annualKwh).toBe(5575);
    expect(p.sizing.targetKwp * p.generation.specificYieldKwhPerKwp).toBeGreaterThan(4975 * 0.9);
    expect(p.sizing.checks.every((c) => c.ok)).toBe(true);
    expect(Math.abs(p.generation.annualKwh - 4975) / 4975).toBeLessThan(0.15);
  });
  it('first-year bills follow the Lei 14.300 model and the regime is GD II', () => {
    expect(p.regime.regime).toBe('GD II');
    expect(p.firstYearBills[0]?.month).toBe('2027-03');
    expect(p.firstYearBills[0]?.fioBShare).toBe(0.75);
    for (const b of p.firstYearBills) expect(b.billedKwh).toBeGreaterThanOrEqual(50);
    expect(p.kpis.billAfterMonthlyBrl).toBeLessThan(p.kpis.billBeforeMonthlyBrl / 2);
  });
  it('cash flow: year 0 is the down payment, KPIs are consistent with the flows', () => {
    expect(p.years).toHaveLength(25);
    expect(p.financing).toMatchObject({ months: 60 });
    // 5 years of 12 payments, none after
    expect(p.years[4]?.financingBrl).toBeGreaterThan(0);
    expect(p.years[5]?.financingBrl).toBe(0);
    expect(p.years[11]?.replacementBrl).toBeGreaterThan(0);
    expect(p.kpis.irr).not.toBeNull();
    expect(p.kpis.paybackYears).not.toBeNull();
    expect(p.kpis.discountedPaybackYears as number).toBeGreaterThan(p.kpis.paybackYears as number);
    expect(p.kpis.lcoeBrlPerKwh).toBeGreaterThan(0.1);
    expect(p.kpis.lcoeBrlPerKwh).toBeLessThan(1);
  });
  it('states every assumption and the versions it used', () => {
    const keys = p.assumptions.map((a) => a.key);
    for (const k of [
      'selfConsumptionShare',
      'tariffEscalation',
      'discountRate',
      'fioBAfterTransition',
      'losses',
      'tariff',
      'bandeiras',
      'fioBSchedule',
    ])
      expect(keys).toContain(k);
    expect(p.versions).toEqual({ model: '1', catalog: 'exemplo-1', tariff: 'quote' });
    expect(p.irradiance.source).toContain('EXEMPLO');
  });
});

describe('tariff from the tariff source', () => {
  it('asks the lookup for the distribuidora, class and date, and keeps its provenance', async () => {
    const { tariff: _t, bandeirasBrlPerKwh: _b, ...rest } = example;
    const q = parseQuote(rest);
    const asked: unknown[] = [];
    const quote: TariffQuote = {
      distribuidora: 'CEMIG-D',
      subgrupo: 'B1',
      modalidade: 'Convencional',
      classe: 'Residencial',
      date: '2026-12-01',
      vigenciaStart: '2026-05-28',
      vigenciaEnd: null,
      teBrlPerKwh: 0.3,
      tusdBrlPerKwh: 0.5,
      tusdFioBBrlPerKwh: 0.28,
      bandeira: { competencia: '2026-11', name: 'amarela', addBrlPerKwh: 0.01885 },
      taxes: { uf: 'MG', icms: 0.18, pis: 0.01, cofins: 0.05 },
      allInBrlPerKwh: (0.3 + 0.5 + 0.01885) / 0.76,
      provenance: { reh: 'REH 9.999/2026', file: 'tarifas.csv', line: 42, sourceHash: 'abc123' },
    };
    const p = await generateProposal(q, {
      catalog: FIXTURE_CATALOG,
      catalogVersion: 'c1',
      tariffVersion: 't7',
      today: '2026-12-01',
      irradiance: given(example),
      tariffSource: async (query) => {
        asked.push(query);
        return quote;
      },
    });
    expect(asked).toEqual([
      {
        distribuidora: 'CEMIG-D',
        subgrupo: 'B1',
        modalidade: 'Convencional',
        classe: 'Residencial',
        date: '2026-12-01',
      },
    ]);
    expect(p.tariff.provenance).toContain('REH 9.999/2026');
    expect(p.tariff.bandeirasBrlPerKwh).toEqual(Array(12).fill(0.01885));
    expect(p.versions.tariff).toBe('t7');
  });
});
