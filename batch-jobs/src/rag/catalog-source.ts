import type { Queryable } from '@ysh/common/db';
import type { CatalogItem } from '../catalog/catalog-item.ts';
import { allCatalogItems } from '../catalog/catalog-store.ts';
import type { Block, SourceDocument } from './types.ts';

/**
 * The catalog as RAG documents: one per product of the gold table catalog_items, rendered as
 * text from brand, model, kind and specs (Portuguese and English words, so "inversor trifásico
 * 10 kW 2 MPPT" and "three-phase inverter" both find it) and its sources. The price is metadata
 * (filterable, shown with results) and not embedded: a price-only change updates metadata only.
 */
const fmt = (n: number, d = 1) => Number(n.toFixed(d)).toString();

export function renderCatalogItem(item: CatalogItem): SourceDocument {
  const lines: string[] = [];
  let powerW: number;
  if (item.kind === 'inverter') {
    const s = item.specs;
    powerW = s.acPowerW;
    const fase = s.phases === 3 ? 'trifásico (three-phase)' : s.phases === 2 ? 'bifásico' : 'monofásico (single-phase)';
    lines.push(
      `Inversor solar ${fase} ${item.brand} ${item.model}: potência nominal CA ${fmt(s.acPowerW / 1000)} kW (${s.acPowerW} W), ${s.mpptCount} MPPT.`,
      `Solar inverter, ${fmt(s.acPowerW / 1000)} kW AC, ${s.mpptCount} MPPT inputs, ${s.phases}-phase.`,
      `Faixa de MPPT ${s.mpptVMinV}–${s.mpptVMaxV} V, tensão CC máxima ${s.maxDcVoltageV} V, corrente máxima por MPPT ${s.maxInputCurrentA} A, eficiência ${fmt(s.efficiency * 100)} %.`,
    );
  } else {
    const s = item.specs;
    powerW = s.pmaxW;
    lines.push(
      `Módulo fotovoltaico (painel solar, PV module) ${item.brand} ${item.model}: potência ${s.pmaxW} Wp, eficiência ${fmt(s.efficiency * 100)} %${s.cellType ? `, células ${s.cellType}` : ''}.`,
      `Vmp ${s.vmpV} V, Imp ${s.impA} A, Voc ${s.vocV} V, Isc ${s.iscA} A; coeficiente de temperatura de Pmax ${fmt(s.gammaPmaxPerK * 100, 2)} %/°C.`,
    );
    if (s.lengthM && s.widthM)
      lines.push(`Dimensões ${s.lengthM} × ${s.widthM} m${s.weightKg ? `, ${s.weightKg} kg` : ''}.`);
  }
  lines.push(`Fontes: ${item.sources.join(', ') || '—'}.`);
  const blocks: Block[] = [{ type: 'paragraph', text: lines.join(' ') }];
  return {
    source: `catalog:${item.sku}`,
    title: `${item.brand} ${item.model}`,
    blocks,
    filters: {
      kind: item.kind,
      brand: item.brand,
      powerW,
      ...(item.priceBrl !== null ? { priceBrl: item.priceBrl } : {}),
    },
    extra: { sku: item.sku },
  };
}

/** Every gold catalog item (the store's own reader, kept under this name for the RAG source). */
export const readCatalogItems = allCatalogItems;

export async function catalogDocuments(db: Queryable): Promise<SourceDocument[]> {
  return (await readCatalogItems(db)).map(renderCatalogItem);
}
