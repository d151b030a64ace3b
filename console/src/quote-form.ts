/**
 * The proposal form and the quote it becomes: the batch side's quote (`ysh proposta new --file`,
 * examples/quote-b1.json), paid in cash, with the sunlight from NASA POWER at the location or
 * measured by the fleet nearby. Other choices (financing, a given tariff, design, assumptions) are
 * made by editing the JSON before sending. The API validates the quote and names each bad field on
 * a line of its own (`/location/lat: Expected number …`); `quoteFieldErrors` puts each line beside
 * the input it is about.
 */
export interface QuoteForm {
  customer: string;
  customerClass: 'B1' | 'B3';
  distribuidora: string;
  uf: string;
  connection: 'mono' | 'bi' | 'tri';
  /** one monthly average or twelve months, January first (spaces or semicolons between) */
  consumption: string;
  latitude: string;
  longitude: string;
  roofTiltDeg: string;
  roofAzimuthDeg: string;
  roofAreaM2: string;
  priceBrlPerWp: string;
  irradiance: 'nasa-power' | 'fleet';
}

export type QuoteField = keyof QuoteForm;

export const EMPTY_QUOTE_FORM: QuoteForm = {
  customer: '',
  customerClass: 'B1',
  distribuidora: '',
  uf: '',
  connection: 'bi',
  consumption: '',
  latitude: '',
  longitude: '',
  roofTiltDeg: '',
  roofAzimuthDeg: '0',
  roofAreaM2: '',
  priceBrlPerWp: '',
  irradiance: 'nasa-power',
};

/** A decimal as typed (comma or point); blank or not a number → null, which the API names as a bad field. */
const num = (s: string): number | null => {
  const t = s.trim().replace(',', '.');
  if (t === '') return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
};

export function quoteFromForm(f: QuoteForm): Record<string, unknown> {
  const months = f.consumption
    .split(/[\s;]+/)
    .filter((s) => s !== '')
    .map((s) => num(s));
  return {
    customer: { name: f.customer.trim(), class: f.customerClass },
    distribuidora: f.distribuidora.trim(),
    uf: f.uf.trim().toUpperCase(),
    connection: f.connection,
    consumption: months.length === 12 ? { monthlyKwh: months } : { averageKwh: months.length === 1 ? months[0] : null },
    location: { lat: num(f.latitude), lon: num(f.longitude) },
    roof: { tiltDeg: num(f.roofTiltDeg), azimuthDeg: num(f.roofAzimuthDeg), areaM2: num(f.roofAreaM2) },
    price: { brlPerWp: num(f.priceBrlPerWp) },
    financing: 'cash',
    irradiance: { source: f.irradiance },
  };
}

/** Quote paths (as the API names them) → the input that sets them; the longest prefix wins. */
const FIELD_OF_PATH: Array<[string, QuoteField]> = [
  ['/customer/class', 'customerClass'],
  ['/customer', 'customer'],
  ['/distribuidora', 'distribuidora'],
  ['/uf', 'uf'],
  ['/connection', 'connection'],
  ['/consumption', 'consumption'],
  ['/location/lon', 'longitude'],
  ['/location', 'latitude'],
  ['/roof/tiltDeg', 'roofTiltDeg'],
  ['/roof/azimuthDeg', 'roofAzimuthDeg'],
  ['/roof', 'roofAreaM2'],
  ['/price', 'priceBrlPerWp'],
  ['/irradiance', 'irradiance'],
];

export interface QuoteFieldErrors {
  /** the API's lines about each input, joined */
  fields: Partial<Record<QuoteField, string>>;
  /** lines about parts of the quote the form does not show (edited JSON) */
  other: string[];
}

/** The `/path: message` lines of an invalid-quote answer, by form input. */
export function quoteFieldErrors(message: string): QuoteFieldErrors {
  const out: QuoteFieldErrors = { fields: {}, other: [] };
  for (const line of message.split('\n')) {
    const m = /^\s*(\/\S*): (.+)$/.exec(line);
    if (!m) continue;
    const [, path = '', text = ''] = m;
    const field = FIELD_OF_PATH.find(([p]) => path === p || path.startsWith(`${p}/`))?.[1];
    if (!field) out.other.push(`${path}: ${text}`);
    else out.fields[field] = out.fields[field] ? `${out.fields[field]}; ${text}` : text;
  }
  return out;
}
