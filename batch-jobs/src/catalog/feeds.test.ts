import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDelimited } from '../parsing/csv.ts';
import { canonicalBrand, powerFromModel, skuOf } from './brands.ts';
import { FEED_EXAMPLES_DIR } from './index.ts';
import { normalizeRawRows } from './items-normalized.ts';

/** The shipped example feed as raw rows, the way catalog_feeds_raw stores them. */
function feed(name: string) {
  const parsed = readDelimited(readFileSync(join(FEED_EXAMPLES_DIR, name)));
  const raw = parsed.rows.map((r, i) => ({
    id: String(i + 1),
    raw_table: 'catalog_feeds_raw' as const,
    source: `feed:${name}`,
    source_file: name,
    line: r.line,
    file_sha256: 'sha',
    delimiter: parsed.delimiter,
    record: r.record,
  }));
  return { parsed, ...normalizeRawRows(raw) };
}

const bySku = <T extends { sku: string }>(items: T[]) => Object.fromEntries(items.map((i) => [i.sku, i]));

describe('supplier feeds (hand-checked values)', () => {
  it('distribuidora-sul.csv: Latin-1, semicolons, decimal commas, Portuguese headers', () => {
    const { parsed, items, quarantine } = feed('distribuidora-sul.csv');
    expect(parsed.encoding).toBe('windows-1252');
    expect(parsed.delimiter).toBe(';');
    expect(parsed.header).toContain('Potência (W)');
    const i = bySku(items);
    expect(Object.keys(i).sort()).toEqual([
      'MOD-CANADIANSOLAR-CS7N665MS',
      'MOD-JASOLAR-JAM72S01365PR',
      'MOD-JASOLAR-JAM72S30550MR',
      'MOD-JINKOSOLAR-JKM550M72HL4V',
      'MOD-LONGI-LR572HPH550M',
    ]);
    expect(i['MOD-JASOLAR-JAM72S30550MR']).toMatchObject({
      kind: 'module',
      brand: 'JA Solar',
      model: 'JAM72S30-550/MR',
      price: 1099,
      currency: 'BRL',
      line: 2,
      specs: {
        pmaxW: 550,
        vmpV: 41.96,
        impA: 13.11,
        vocV: 49.9,
        iscA: 13.98,
        efficiency: 0.213,
        gammaPmaxPerK: -0.0035,
        betaVocPerK: -0.00275,
        noctC: 45,
        lengthM: 2.278,
        widthM: 1.134,
        weightKg: 28.6,
        cellType: 'Mono PERC half-cell',
      },
    });
    // "Ja Solar Technology Co., Ltd." is JA Solar; "1.349,00" is R$ 1349.
    expect(i['MOD-JASOLAR-JAM72S01365PR']?.brand).toBe('JA Solar');
    expect(i['MOD-CANADIANSOLAR-CS7N665MS']?.price).toBe(1349);
    expect(quarantine.map((q) => [q.line, q.reason])).toEqual([
      [6, 'Pmax 5500 W outside 50–800 W'],
      [7, 'efficiency 0 % outside 5–26 %'],
      [9, 'kind "Estrutura" is not carried by the catalog'],
    ]);
  });

  it('solar-atacado-export.csv: commas, power only in the model string, aliases, a duplicate', () => {
    const { parsed, items, quarantine } = feed('solar-atacado-export.csv');
    expect(parsed.encoding).toBe('utf-8');
    expect(parsed.delimiter).toBe(',');
    const i = bySku(items);
    expect(i['MOD-JASOLAR-JAM72S30550MR']).toMatchObject({ brand: 'JA Solar', price: 1079, specs: { pmaxW: 550 } });
    expect(i['MOD-JINKOSOLAR-JKM555M72HL4V']).toMatchObject({
      brand: 'Jinko Solar',
      price: 1065.5,
      specs: { pmaxW: 555, efficiency: 0.2148, vocV: 49.8 },
    });
    expect(i['MOD-RISENENERGY-RSM1108550BMDG']?.specs).toMatchObject({ pmaxW: 550, lengthM: 2.384 });
    expect(i['MOD-BYD-BYD545PHK36']).toMatchObject({ price: null, currency: null, specs: { pmaxW: 545 } });
    expect(i['INV-GROWATT-MIN5000TLX']).toMatchObject({
      kind: 'inverter',
      brand: 'Growatt',
      model: 'MIN 5000TL-X',
      price: 4290,
      specs: {
        acPowerW: 5000,
        maxDcVoltageV: 550,
        mpptCount: 2,
        mpptVMinV: 80,
        mpptVMaxV: 550,
        maxInputCurrentA: 13.5,
        efficiency: 0.978,
        phases: 1,
      },
    });
    expect(i['INV-DEYE-SUN8KG05']?.specs).toMatchObject({ acPowerW: 8000, mpptVMinV: 140, phases: 1 });
    expect(quarantine.map((q) => [q.line, q.reason])).toEqual([
      [5, 'duplicate of solar-atacado-export.csv line 4 (same SKU MOD-RISENENERGY-RSM1108550BMDG)'],
    ]);
  });

  it('norte-inversores.csv: tabs, UTF-8 with BOM, kW, "80 ~ 550" ranges, phase words', () => {
    const { parsed, items, quarantine } = feed('norte-inversores.csv');
    expect(parsed.delimiter).toBe('\t');
    expect(parsed.header[0]).toBe('Categoria');
    const i = bySku(items);
    expect(i['INV-GROWATT-MIN5000TLX']).toMatchObject({ price: 4190, specs: { acPowerW: 5000, mpptVMaxV: 550 } });
    expect(i['INV-SUNGROW-SG110CX']).toMatchObject({
      price: 39900,
      specs: { acPowerW: 110_000, maxDcVoltageV: 1100, mpptCount: 9, mpptVMinV: 200, mpptVMaxV: 1000, phases: 3 },
    });
    expect(i['INV-FRONIUS-PRIMO821']?.specs).toMatchObject({ acPowerW: 8200, efficiency: 0.981 });
    expect(quarantine.map((q) => [q.line, q.reason])).toEqual([
      [5, 'max input current must be positive'],
      [6, 'kind "String box" is not carried by the catalog'],
    ]);
  });

  it('brand aliases land on one canonical brand and one SKU', () => {
    for (const spelling of ['JA Solar', 'JASOLAR', 'Ja Solar Technology', 'Ja Solar Technology Co., Ltd.', 'ja solar'])
      expect(canonicalBrand(spelling)).toEqual({ brand: 'JA Solar', known: true });
    expect(canonicalBrand('Jinko Solar Co._ Ltd').brand).toBe('Jinko Solar');
    expect(canonicalBrand('LONGi Green Energy Technology Co._ Ltd.').brand).toBe('LONGi');
    expect(canonicalBrand('Ningbo Ginlong Technologies -')).toEqual({ brand: 'Solis (Ginlong)', known: true });
    expect(canonicalBrand('Acme Painéis Ltda')).toEqual({ brand: 'Acme Painéis', known: false });
    expect(skuOf('module', 'JA Solar', 'JAM72S30-550/MR')).toBe(skuOf('module', 'JA Solar', 'jam72s30 550 mr'));
  });

  it('reads the power in module model strings', () => {
    expect(powerFromModel('JAM72S30-550/MR')).toBe(550);
    expect(powerFromModel('JKM550M-72HL4-V')).toBe(550);
    expect(powerFromModel('RSM110-8-550BMDG')).toBe(550);
    expect(powerFromModel('CS6W-550MS')).toBe(550);
    expect(powerFromModel('TSM-DE19')).toBeNull();
  });
});
