import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cellText, readComparison } from './compare-rows.ts';
import { can, inScope } from './permissions.ts';
import { proposalCustomer, proposalFigures } from './proposal-figures.ts';
import { EMPTY_QUOTE_FORM, quoteFieldErrors, quoteFromForm } from './quote-form.ts';
import { sourceHref } from './source-href.ts';

describe('proposalFigures', () => {
  it('reads the headline figures from a nested proposal, the shallowest match first', () => {
    const monthly = [400, 420, 450, 430, 380, 350, 360, 400, 430, 460, 440, 410];
    const fig = proposalFigures({
      id: 'p1',
      sizing: { systemKwp: 4.4 },
      generation: { monthlyKwh: monthly },
      finance: { irr: 0.182, npv: 21_500.5, paybackYears: 4.6, lcoe: 0.31, cashflow: { irr: 0.5 } },
      inputs: { monthlyConsumptionKwh: monthly.map((m) => m + 50) },
    });
    expect(fig).toMatchObject({ systemKwp: 4.4, irr: 0.182, npv: 21_500.5, paybackYears: 4.6, lcoe: 0.31 });
    expect(fig.annualKwh).toBe(monthly.reduce((a, b) => a + b, 0));
    expect(fig.monthlyConsumptionKwh?.[0]).toBe(450);
  });

  it("reads the batch side's proposal: sizing.dcKwp, kpis with npvBrl, the customer by name", () => {
    const doc = {
      id: 'p-1',
      customer: { name: 'Maria Exemplo', class: 'B1' },
      kpis: { irr: 0.44, npvBrl: 32_670.92, paybackYears: 2.85, lcoeBrlPerKwh: 0.29 },
      sizing: { dcKwp: 3.3, acKw: 3 },
      generation: { annualKwh: 4794.1 },
      consumption: { annualKwh: 5575 },
    };
    expect(proposalFigures(doc)).toMatchObject({ systemKwp: 3.3, irr: 0.44, npv: 32_670.92, paybackYears: 2.85 });
    expect(proposalCustomer(doc)).toBe('Maria Exemplo');
    // both monthly series are `monthlyKwh`: each is read from its own part, whatever the key order
    const consumption = [300, 310, 320, 330, 340, 350, 360, 370, 380, 390, 400, 410];
    const generation = [500, 480, 460, 440, 420, 400, 410, 430, 450, 470, 490, 510];
    const both = proposalFigures({ consumption: { monthlyKwh: consumption }, generation: { monthlyKwh: generation } });
    expect(both.monthlyKwh).toEqual(generation);
    expect(both.monthlyConsumptionKwh).toEqual(consumption);
    expect(proposalCustomer({ customer: 'Loja' })).toBe('Loja');
    expect(proposalCustomer({ id: 'x' })).toBeNull();
  });

  it('property: any JSON gives figures that are numbers or null, never a throw', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (doc) => {
        for (const v of Object.values(proposalFigures(doc)))
          expect(v === null || typeof v === 'number' || Array.isArray(v)).toBe(true);
      }),
    );
  });
});

describe('small view helpers', () => {
  it('reads a run comparison: every part present, malformed entries dropped', () => {
    const side = { status: 'materialized', dataVersion: 'v1', rowCount: 3, metadata: {}, materializedHere: true };
    const c = readComparison({
      a: { id: 'r1' },
      b: { id: 'r2' },
      config: [{ key: 'x.limit', before: 1, after: 2 }],
      assets: [{ asset: 'x', partition: '', a: side, b: null, changed: ['status'], rowCountDelta: null }, 7],
      checks: [{ asset: 'x', partition: '', check: 'not_empty', a: { passed: true }, b: null }],
    });
    expect(c.config).toEqual([{ key: 'x.limit', before: 1, after: 2 }]);
    expect(c.assets).toEqual([
      {
        asset: 'x',
        partition: '',
        a: { status: 'materialized', dataVersion: 'v1', rowCount: 3, materializedHere: true },
        b: null,
        changed: ['status'],
        rowCountDelta: null,
      },
    ]);
    expect(c.checks[0]).toEqual({ asset: 'x', partition: '', check: 'not_empty', a: { passed: true }, b: null });
    expect(readComparison('nonsense')).toEqual({ config: [], onlyIn: { a: [], b: [] }, assets: [], checks: [] });
    expect(cellText({ v: 1 })).toBe('{"v":1}');
    expect(cellText(null)).toBe('—');
  });

  it('links search sources only to http(s), the catalog route or a same-origin path', () => {
    expect(sourceHref('catalog:JKM-550M')).toBe('/v1/catalog/JKM-550M');
    expect(sourceHref('https://www.gov.br/aneel/doc.pdf')).toBe('https://www.gov.br/aneel/doc.pdf');
    expect(sourceHref('javascript:alert(1)')).toBeNull();
    expect(sourceHref('//evil.example/x')).toBeNull();
    expect(sourceHref('docs/manual.md')).toBeNull();
  });

  it("builds the batch side's quote from the form: 12 months or an average, decimal commas, blanks as null", () => {
    const base = {
      ...EMPTY_QUOTE_FORM,
      customer: ' Maria ',
      distribuidora: 'CEMIG-D',
      uf: 'mg',
      consumption: '350',
      latitude: '-19,92',
      longitude: '-43.94',
      roofTiltDeg: '20',
      roofAreaM2: '45',
      priceBrlPerWp: '3,1',
    };
    expect(quoteFromForm(base)).toEqual({
      customer: { name: 'Maria', class: 'B1' },
      distribuidora: 'CEMIG-D',
      uf: 'MG',
      connection: 'bi',
      consumption: { averageKwh: 350 },
      location: { lat: -19.92, lon: -43.94 },
      roof: { tiltDeg: 20, azimuthDeg: 0, areaM2: 45 },
      price: { brlPerWp: 3.1 },
      financing: 'cash',
      irradiance: { source: 'nasa-power' },
    });
    const monthly = quoteFromForm({
      ...base,
      consumption: '1 2 3 4 5 6 7 8 9 10 11 12',
      latitude: 'abc',
      roofAreaM2: '',
    });
    expect(monthly.consumption).toEqual({ monthlyKwh: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] });
    expect(monthly.location).toEqual({ lat: null, lon: -43.94 });
    expect(monthly.roof).toMatchObject({ areaM2: null });
    expect(quoteFromForm({ ...base, consumption: '1 2' }).consumption).toEqual({ averageKwh: null });
  });

  it('puts each line of an invalid-quote answer beside its input; the rest apart', () => {
    const message = [
      'invalid quote:',
      "  /uf: Expected string to match '^[A-Z]{2}$'",
      '  /location/lat: Expected number to be less or equal to 6',
      '  /location/lon: Expected number',
      '  /customer/name: Expected string length greater or equal to 1',
      '  /consumption/monthlyKwh/3: Expected number to be greater or equal to 0',
      '  /consumption/monthlyKwh/5: Expected number to be greater or equal to 0',
      '  /roof/areaM2: Expected number',
      '  /financing: Expected union value',
    ].join('\n');
    expect(quoteFieldErrors(message)).toEqual({
      fields: {
        uf: "Expected string to match '^[A-Z]{2}$'",
        latitude: 'Expected number to be less or equal to 6',
        longitude: 'Expected number',
        customer: 'Expected string length greater or equal to 1',
        consumption: 'Expected number to be greater or equal to 0; Expected number to be greater or equal to 0',
        roofAreaM2: 'Expected number',
      },
      other: ['/financing: Expected union value'],
    });
    expect(quoteFieldErrors('the database could not be reached')).toEqual({ fields: {}, other: [] });
  });

  it('roles: only admin and operator act; only admin enrols agents; scopes limit sites', () => {
    expect(['admin', 'operator', 'viewer'].map((role) => can({ role } as never, 'alerts.act'))).toEqual([
      true,
      true,
      false,
    ]);
    expect(['admin', 'operator', 'viewer'].map((role) => can({ role } as never, 'agents.enroll'))).toEqual([
      true,
      false,
      false,
    ]);
    expect(can(null, 'alerts.act')).toBe(false);
    expect(inScope({ sites: null }, 'site-x')).toBe(true);
    expect(inScope({ sites: ['site-a'] }, 'site-x')).toBe(false);
  });
});
