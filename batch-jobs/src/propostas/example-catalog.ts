import type { CatalogItem } from '../catalog/catalog-item.ts';

/**
 * EXAMPLE catalog rows with datasheet-like values (a 550 W and a 410 W mono PERC half-cell module,
 * string inverters of 3, 5 and 10 kW), not real products: the tests size against them, and `ysh
 * proposta` falls back to them (saying so) while the gold `catalog_items` table is empty. Real
 * products come from the gold catalog.
 */
const base = { sources: ['exemplo'], conflicts: [], dataVersion: 'exemplo-1' };

export const MODULE_550: CatalogItem = {
  ...base,
  kind: 'module',
  sku: 'mod-550-m72',
  brand: 'Exemplo Solar',
  model: 'EX-550M-72HL',
  priceBrl: 720,
  specs: {
    pmaxW: 550,
    vmpV: 41.95,
    impA: 13.12,
    vocV: 49.9,
    iscA: 14.0,
    efficiency: 0.213,
    gammaPmaxPerK: -0.0035,
    betaVocPerK: -0.0028,
    noctC: 45,
    lengthM: 2.278,
    widthM: 1.134,
    weightKg: 28.9,
    cellType: 'mono PERC',
  },
};

export const MODULE_410: CatalogItem = {
  ...base,
  kind: 'module',
  sku: 'mod-410-m54',
  brand: 'Exemplo Solar',
  model: 'EX-410M-54HL',
  priceBrl: 640,
  specs: {
    pmaxW: 410,
    vmpV: 31.2,
    impA: 13.14,
    vocV: 37.5,
    iscA: 13.9,
    efficiency: 0.21,
    gammaPmaxPerK: -0.0035,
    betaVocPerK: -0.0028,
    noctC: 45,
    lengthM: 1.722,
    widthM: 1.134,
    weightKg: 21.5,
    cellType: 'mono PERC',
  },
};

function inverter(
  sku: string,
  acPowerW: number,
  priceBrl: number,
  phases: 1 | 3,
  mppt: number,
  maxA: number,
): CatalogItem {
  return {
    ...base,
    kind: 'inverter',
    sku,
    brand: 'Exemplo Inversores',
    model: `EXI-${acPowerW / 1000}K`,
    priceBrl,
    specs: {
      acPowerW,
      maxDcVoltageV: phases === 1 ? 550 : 1100,
      mpptCount: mppt,
      mpptVMinV: phases === 1 ? 80 : 140,
      mpptVMaxV: phases === 1 ? 550 : 1000,
      maxInputCurrentA: maxA,
      efficiency: 0.975,
      phases,
    },
  };
}

export const INVERTER_3K = inverter('inv-3k-1p', 3000, 3100, 1, 1, 13.5);
export const INVERTER_5K = inverter('inv-5k-1p', 5000, 4200, 1, 2, 13.5);
export const INVERTER_10K = inverter('inv-10k-3p', 10000, 8900, 3, 2, 26);

export const EXAMPLE_CATALOG: CatalogItem[] = [MODULE_550, MODULE_410, INVERTER_3K, INVERTER_5K, INVERTER_10K];
