/**
 * One quote → one stored proposal, the way the CLI, the CSV inbox and the admin API do it: locate
 * the quote (a city without lat/lon through the geocoder and its cache), resolve the irradiation
 * source, read the gold catalog (falling back to the EXAMPLE catalog, said aloud, while it is
 * empty), price with the given tariff or the tariff source, store.
 */
import type { Queryable } from '@ysh/common/db';
import type { TariffSource } from '../tarifas/tariff-quote.ts';
import { readCatalog } from './catalog-source.ts';
import type { PropostasConfig } from './config.ts';
import { EXAMPLE_CATALOG } from './example-catalog.ts';
import { type Geocoder, nominatimGeocoder } from './geocoder.ts';
import { fleetSpecificYield, type Irradiance, nasaPowerClimatology } from './irradiance.ts';
import { locateQuote } from './location.ts';
import { generateProposal, type Proposal } from './proposal.ts';
import { type Quote, quoteCoordinates } from './quote.ts';
import { saveProposal } from './store.ts';

export interface MakeOptions {
  config: PropostasConfig;
  tariffSource?: TariffSource;
  tariffVersion?: string;
  today?: string;
  origin: string;
  warn?: (message: string) => void;
  /** for quotes with a city and no lat/lon (default: Nominatim as configured) */
  geocoder?: Geocoder;
}

/** The configured geocoder: Nominatim at `geocoderUrl`. */
export function configuredGeocoder(config: PropostasConfig): Geocoder {
  return nominatimGeocoder({
    baseUrl: config.geocoderUrl,
    userAgent: config.geocoderUserAgent,
    retries: config.geocoderRetries,
  });
}

export async function resolveIrradiance(db: Queryable, q: Quote, config: PropostasConfig): Promise<Irradiance> {
  const src = q.irradiance;
  if (src.source === 'quote')
    return {
      kind: 'ghi',
      ghiKwhM2Day: [...src.ghiKwhM2Day],
      ambientC: null,
      source: `quote: ${src.label}`,
      detail: {},
    };
  const { lat, lon } = quoteCoordinates(q);
  if (src.source === 'nasa-power')
    return nasaPowerClimatology(lat, lon, { baseUrl: config.nasaPowerUrl, retries: config.nasaPowerRetries });
  return fleetSpecificYield(db, lat, lon, src.radiusKm ?? config.fleetRadiusKm);
}

export async function makeProposal(db: Queryable, quote: Quote, o: MakeOptions): Promise<Proposal> {
  const q = await locateQuote(db, quote, o.geocoder ?? configuredGeocoder(o.config));
  const irradiance = await resolveIrradiance(db, q, o.config);
  let { items, version } = await readCatalog(db);
  if (!items.some((i) => i.kind === 'module') || !items.some((i) => i.kind === 'inverter')) {
    o.warn?.('catalog_items has no modules or inverters yet: sizing with the EXAMPLE catalog (not real products)');
    items = EXAMPLE_CATALOG;
    version = 'exemplo-1';
  }
  const p = await generateProposal(q, {
    catalog: items,
    catalogVersion: version,
    tariffSource: o.tariffSource,
    tariffVersion: o.tariffVersion,
    irradiance,
    today: o.today ?? new Date().toLocaleDateString('sv-SE', { timeZone: 'America/Sao_Paulo' }),
  });
  await saveProposal(db, p, o.origin);
  return p;
}
