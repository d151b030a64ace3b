/**
 * The CSV layout of the quote inbox: one quote per row, the columns a salesperson fills in a
 * spreadsheet (README, propostas → "Quotes by CSV"). The file is read like the supplier feeds
 * (parsing/csv.ts: UTF-8 or Windows-1252/Latin-1, `;`, tab or `,`); headers are matched folded
 * (case, accents and punctuation do not matter; a unit after the name is fine: "Consumo jan (kWh)").
 * Numbers in `;`/tab files use the decimal comma ("1.234,5"); in `,` files the decimal point, or a
 * quoted decimal comma ("520,5", "12.000,00", as a spreadsheet in Portuguese exports them): there a
 * number with a comma and no point is read with a decimal comma.
 *
 * Each row becomes a quote object exactly as `ysh proposta new` reads one from JSON; it is then
 * validated by the same QuoteSchema. A cell that is not a number is passed through as written, so
 * the schema reports it ("Expected number") and the message can show it. Errors name the column
 * as written in the file and the row's line number (the spreadsheet's row number).
 */
import { createHash } from 'node:crypto';
import { readDelimited } from '../parsing/csv.ts';
import { foldKey, parseDecimal } from '../parsing/numbers.ts';
import { canonicalJson } from '../versions/data-version.ts';
import type { FieldError } from './field-errors.ts';

export const MONTHS = ['jan', 'fev', 'mar', 'abr', 'mai', 'jun', 'jul', 'ago', 'set', 'out', 'nov', 'dez'] as const;
const MONTH_NAMES = [
  'janeiro',
  'fevereiro',
  'marco',
  'abril',
  'maio',
  'junho',
  'julho',
  'agosto',
  'setembro',
  'outubro',
  'novembro',
  'dezembro',
];

/** Column → the folded header names it answers to (itens: any header starting with "item"). */
export const QUOTE_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  id: ['id', 'codigo'],
  cliente: ['cliente', 'nome', 'nome_do_cliente'],
  classe: ['classe', 'subgrupo'],
  distribuidora: ['distribuidora', 'concessionaria'],
  uf: ['uf', 'estado'],
  cidade: ['cidade', 'municipio'],
  ligacao: ['ligacao', 'tipo_de_ligacao', 'conexao'],
  ...Object.fromEntries(MONTHS.map((m, i) => [`consumo_${m}`, [`consumo_${m}`, `consumo_${MONTH_NAMES[i]}`]])),
  consumo_medio: ['consumo_medio', 'consumo_mensal', 'media_de_consumo'],
  lat: ['lat', 'latitude'],
  lon: ['lon', 'lng', 'longitude'],
  inclinacao: ['inclinacao'],
  azimute: ['azimute'],
  area_m2: ['area_m2', 'area', 'area_disponivel'],
  preco_wp: ['preco_wp', 'preco_r_wp', 'preco_por_wp'],
  taxa_financiamento: ['taxa_financiamento', 'taxa_de_juros', 'taxa', 'juros'],
  meses: ['meses', 'parcelas', 'prazo'],
  entrada: ['entrada'],
  irradiacao: ['irradiacao', 'fonte_de_irradiacao'],
};

/** One row of the file, as the quote it describes. */
export interface QuoteRow {
  /** line of the row in the file (1 is the header): the spreadsheet's row number */
  line: number;
  /** the cells by header as written */
  record: Record<string, string>;
  quote: Record<string, unknown>;
  /** cells that cannot be one quote field (e.g. both preco_wp and item columns), by quote path */
  errors: FieldError[];
  /** sha256 of the quote: an unchanged row of an edited file is left alone */
  sha256: string;
}

export interface QuoteCsv {
  encoding: 'utf-8' | 'windows-1252';
  delimiter: string;
  /** column → its header as written in the file */
  headers: Record<string, string>;
  /** item columns: header as written → item description */
  items: Array<{ header: string; description: string }>;
  /** headers matching no column (ignored) or a column already matched */
  ignored: string[];
  rows: QuoteRow[];
  /** why the whole file cannot be read as quotes (then there are no rows) */
  unreadable?: string;
}

function matchColumns(header: readonly string[]) {
  const headers: Record<string, string> = {};
  const items: QuoteCsv['items'] = [];
  const ignored: string[] = [];
  const aliases = Object.entries(QUOTE_COLUMNS)
    .flatMap(([column, names]) => names.map((name) => ({ column, name })))
    .sort((a, b) => b.name.length - a.name.length);
  for (const h of header) {
    const f = foldKey(h);
    if (f === '') continue;
    const hit =
      aliases.find((a) => a.name === f) ?? aliases.find((a) => f.startsWith(`${a.name}_`) && !(a.column in headers));
    if (hit && !(hit.column in headers)) headers[hit.column] = h;
    else if (!hit && /^(item|itens)_./.test(f))
      items.push({
        header: h,
        description: h
          .replace(/^\s*(item|itens)[\s:\-–_]*/i, '')
          .replace(/\(\s*R\$\s*\)/i, '')
          .trim(),
      });
    else ignored.push(h);
  }
  return { headers, items, ignored };
}

/** A quote id from the file name and line: `csv-<file>-<line>`, within the id pattern. */
export function rowQuoteId(fileName: string, line: number): string {
  let slug = foldKey(fileName.replace(/\.csv$/i, '')).replaceAll('_', '-');
  if (slug.length > 40)
    slug = `${slug.slice(0, 33)}-${createHash('sha256').update(fileName).digest('hex').slice(0, 6)}`;
  return `csv-${slug || 'x'}-${line}`;
}

const CONNECTIONS: Record<string, 'mono' | 'bi' | 'tri'> = {
  mono: 'mono',
  monofasico: 'mono',
  monofasica: 'mono',
  '1': 'mono',
  bi: 'bi',
  bifasico: 'bi',
  bifasica: 'bi',
  '2': 'bi',
  tri: 'tri',
  trifasico: 'tri',
  trifasica: 'tri',
  '3': 'tri',
};
const IRRADIANCE: Record<string, string> = {
  '': 'nasa-power',
  nasa: 'nasa-power',
  nasa_power: 'nasa-power',
  fleet: 'fleet',
  frota: 'fleet',
};

/** Turns one row's cells into a quote (see the header); `line` and `fileName` give the derived id. */
export function rowToQuote(
  cells: (column: string) => string,
  items: QuoteCsv['items'],
  itemCell: (header: string) => string,
  decimal: ',' | '.',
  fileName: string,
  line: number,
): { quote: Record<string, unknown>; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const text = (c: string) => {
    const v = cells(c).trim();
    return v === '' ? undefined : v;
  };
  const parsed = (raw: string, d: ',' | '.') => {
    const n = parseDecimal(raw, d);
    return n === null ? null : Number.isNaN(n) ? undefined : n;
  };
  /** a number; the cell as written when it is not one (the schema then says so); undefined when empty or "-" */
  const num = (raw: string | undefined): number | string | undefined => {
    if (raw === undefined) return undefined;
    // in a `,` file a (quoted) number with a comma and no point has a decimal comma: "520,5"
    const n =
      decimal === ',' || (raw.includes(',') && !raw.includes('.'))
        ? parsed(raw, ',')
        : (parsed(raw, '.') ?? parsed(raw, ','));
    return n === null ? undefined : (n ?? raw);
  };
  const numCol = (c: string) => num(text(c));
  const q: Record<string, unknown> = {};
  const set = (obj: Record<string, unknown>, key: string, v: unknown) => {
    if (v !== undefined) obj[key] = v;
  };

  set(q, 'id', text('id')?.toLowerCase() ?? rowQuoteId(fileName, line));
  const customer: Record<string, unknown> = {};
  set(customer, 'name', text('cliente'));
  set(customer, 'class', text('classe')?.toUpperCase());
  q.customer = customer;
  set(q, 'distribuidora', text('distribuidora'));
  set(q, 'uf', text('uf')?.toUpperCase());
  const lig = text('ligacao');
  set(q, 'connection', lig === undefined ? undefined : (CONNECTIONS[foldKey(lig)] ?? lig));

  const monthly = MONTHS.map((m) => numCol(`consumo_${m}`));
  const average = numCol('consumo_medio');
  if (monthly.some((v) => v !== undefined)) {
    q.consumption = { monthlyKwh: monthly };
    if (average !== undefined)
      errors.push({ path: '/consumption/averageKwh', message: 'informe os 12 meses ou a média, não os dois' });
  } else if (average !== undefined) q.consumption = { averageKwh: average };

  const location: Record<string, unknown> = {};
  set(location, 'lat', numCol('lat'));
  set(location, 'lon', numCol('lon'));
  set(location, 'city', text('cidade'));
  q.location = location;
  const roof: Record<string, unknown> = {};
  set(roof, 'tiltDeg', numCol('inclinacao'));
  set(roof, 'azimuthDeg', numCol('azimute'));
  set(roof, 'areaM2', numCol('area_m2'));
  q.roof = roof;

  const perWp = numCol('preco_wp');
  const priced = items
    .map((it) => ({ description: it.description, brl: num(itemCell(it.header).trim() || undefined) }))
    .filter((it) => it.brl !== undefined);
  if (perWp !== undefined) {
    q.price = { brlPerWp: perWp };
    if (priced.length > 0)
      errors.push({ path: '/price/brlPerWp', message: 'informe preco_wp ou os itens (item_*), não os dois' });
  } else if (priced.length > 0) q.price = { items: priced };

  const rate = numCol('taxa_financiamento');
  const months = numCol('meses');
  const down = numCol('entrada');
  if (rate === undefined && months === undefined && down === undefined) q.financing = 'cash';
  else {
    const financing: Record<string, unknown> = {};
    // the column is in % a.m.; the quote holds the fraction
    set(financing, 'monthlyRate', typeof rate === 'number' ? rate / 100 : rate);
    if (typeof rate === 'number' && (rate < 0 || rate > 20))
      errors.push({ path: '/financing/monthlyRate', message: `${rate} % a.m. fora de 0–20 % a.m.` });
    set(financing, 'months', months);
    set(financing, 'downPaymentBrl', down);
    q.financing = financing;
  }

  const irr = text('irradiacao') ?? '';
  q.irradiance = { source: IRRADIANCE[foldKey(irr)] ?? irr };
  return { quote: q, errors };
}

/** Reads a quote CSV (any encoding and delimiter the feeds accept) into quotes, one per row. */
export function readQuoteCsv(bytes: Uint8Array, fileName: string): QuoteCsv {
  let file: ReturnType<typeof readDelimited>;
  try {
    file = readDelimited(bytes);
  } catch (err) {
    const unreadable = `${fileName}: não é um CSV legível: ${(err as Error).message}`;
    return { encoding: 'utf-8', delimiter: ',', headers: {}, items: [], ignored: [], rows: [], unreadable };
  }
  const { headers, items, ignored } = matchColumns(file.header);
  if (file.rows.length > 0 && !['cliente', 'classe', 'distribuidora'].some((c) => c in headers)) {
    const unreadable = `${fileName}: o cabeçalho não tem as colunas do layout de cotações (cliente, classe, distribuidora…): ${file.header.join(', ')}`;
    return { encoding: file.encoding, delimiter: file.delimiter, headers, items, ignored, rows: [], unreadable };
  }
  const decimal = file.delimiter === ',' ? '.' : ',';
  const rows: QuoteRow[] = [];
  const ids = new Map<unknown, number>();
  for (const r of file.rows) {
    const { quote, errors } = rowToQuote(
      (c) => (headers[c] === undefined ? '' : (r.record[headers[c]] ?? '')),
      items,
      (h) => r.record[h] ?? '',
      decimal,
      fileName,
      r.line,
    );
    const first = ids.get(quote.id);
    if (first !== undefined) errors.unshift({ path: '/id', message: `repete o id da linha ${first}` });
    else ids.set(quote.id, r.line);
    rows.push({
      line: r.line,
      record: r.record,
      quote,
      errors,
      sha256: createHash('sha256').update(canonicalJson(quote)).digest('hex'),
    });
  }
  return { encoding: file.encoding, delimiter: file.delimiter, headers, items, ignored, rows };
}

const PATHS: Array<[RegExp, (m: RegExpExecArray) => string]> = [
  [/^\/id$/, () => 'id'],
  [/^\/customer\/name$/, () => 'cliente'],
  [/^\/customer\/class$/, () => 'classe'],
  [/^\/customer$/, () => 'cliente'],
  [/^\/(distribuidora|uf)$/, (m) => m[1] as string],
  [/^\/location\/uf$/, () => 'uf'],
  [/^\/connection$/, () => 'ligacao'],
  [/^\/consumption\/monthlyKwh\/(\d+)/, (m) => `consumo_${MONTHS[Number(m[1])] ?? 'jan'}`],
  [/^\/consumption\/monthlyKwh$/, () => 'consumo_jan..consumo_dez'],
  [/^\/consumption\/averageKwh$/, () => 'consumo_medio'],
  [/^\/consumption$/, () => 'consumo_jan..consumo_dez ou consumo_medio'],
  [/^\/location\/lat$/, () => 'lat'],
  [/^\/location\/lon$/, () => 'lon'],
  [/^\/location\/city$/, () => 'cidade'],
  [/^\/location$/, () => 'lat/lon ou cidade'],
  [/^\/roof\/tiltDeg$/, () => 'inclinacao'],
  [/^\/roof\/azimuthDeg$/, () => 'azimute'],
  [/^\/roof\/areaM2$/, () => 'area_m2'],
  [/^\/roof$/, () => 'inclinacao, azimute, area_m2'],
  [/^\/price\/brlPerWp$/, () => 'preco_wp'],
  [/^\/price\/items\/(\d+)/, (m) => `item:${m[1]}`],
  [/^\/price/, () => 'preco_wp ou item_*'],
  [/^\/financing\/monthlyRate$/, () => 'taxa_financiamento'],
  [/^\/financing\/months$/, () => 'meses'],
  [/^\/financing\/downPaymentBrl$/, () => 'entrada'],
  [/^\/financing/, () => 'taxa_financiamento, meses'],
  [/^\/irradiance/, () => 'irradiacao'],
];

/**
 * The row's errors as an operator reads them, one line per field:
 * `vendas.csv linha 4: Consumo Mar: Expected number (valor "abc")` — the column as written in the
 * file (or the layout's name when the file lacks it), the cell when there is one.
 */
export function rowErrorLines(
  csv: Pick<QuoteCsv, 'headers' | 'items'>,
  fileName: string,
  row: Pick<QuoteRow, 'line' | 'quote' | 'record'>,
  errors: readonly FieldError[],
): string[] {
  // the quote lists only the items with a value: its index i is the i-th such item column
  const quoteItems = csv.items.filter((it) => (row.record[it.header] ?? '').trim() !== '').map((it) => it.header);
  return errors.map((e) => {
    const rule = PATHS.find(([re]) => re.test(e.path));
    let column = rule ? rule[1](rule[0].exec(e.path) as RegExpExecArray) : e.path || 'cotação';
    if (column.startsWith('item:')) column = quoteItems[Number(column.slice(5))] ?? 'item_*';
    else column = csv.headers[column] ?? column;
    const cell = row.record[column]?.trim();
    return `${fileName} linha ${row.line}: ${column}: ${e.message}${cell ? ` (valor "${cell}")` : ''}`;
  });
}
