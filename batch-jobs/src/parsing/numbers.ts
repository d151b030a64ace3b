/**
 * Number, date and text parsers for the layouts the catalog and tarifas assets read: supplier
 * spreadsheets (decimal comma or point, "R$ 1.299,00", "21,3 %"), ANEEL CSV (",00" for zero,
 * "Não se aplica" as null) and CEC/SAM CSV (scientific notation, M/D/YYYY dates). Every parser
 * returns null for an empty or "not applicable" cell and NaN (numbers) / undefined (dates) for a
 * cell that is present but not readable, so callers can tell "missing" from "garbage".
 */

const NULL_MARKERS = new Set(['', '-', '--', 'n/a', 'na', 'nan', 'null', 'nao se aplica', 'não se aplica', 's/n']);

export function isNullMarker(raw: string | null | undefined): boolean {
  return raw == null || NULL_MARKERS.has(raw.trim().toLowerCase());
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Parses a number written with `decimal` as its decimal separator; the other separator is only
 * accepted as a thousands separator in groups of three ("1.299,00" with decimal ','). Currency
 * ("R$"), percent signs and spaces (also non-breaking) are dropped; the caller decides what a
 * percent means.
 */
export function parseDecimal(raw: string | null | undefined, decimal: ',' | '.'): number | null {
  if (isNullMarker(raw)) return null;
  let s = (raw as string).replace(/R\$|%|[\s\u00a0]/gi, '');
  if (s === '') return Number.NaN;
  const thousands = decimal === ',' ? '.' : ',';
  if (s.includes(thousands)) {
    const [int = '', ...rest] = s.split(decimal);
    const grouped = thousands === '.' ? /^[+-]?\d{1,3}(\.\d{3})+$/ : /^[+-]?\d{1,3}(,\d{3})+$/;
    if (rest.length > 1 || !grouped.test(int)) return Number.NaN;
    s = int.split(thousands).join('') + (rest.length ? `.${rest[0]}` : '');
  } else if (decimal === ',') {
    if ((s.match(/,/g) ?? []).length > 1) return Number.NaN;
    s = s.replace(',', '.');
  }
  if (!NUMBER.test(s)) return Number.NaN;
  const n = Number(s);
  return Number.isFinite(n) ? n : Number.NaN;
}

/** A percentage cell as a fraction: "21,3 %" / "21.3" -> 0.213; "0,213" (already a fraction) -> 0.213. */
export function parsePercentAsFraction(raw: string | null | undefined, decimal: ',' | '.'): number | null {
  const n = parseDecimal(raw, decimal);
  if (n === null || Number.isNaN(n)) return n;
  return Math.abs(n) > 1 || (raw ?? '').includes('%') ? n / 100 : n;
}

function validDate(y: number, m: number, d: number): string | undefined {
  const t = new Date(Date.UTC(y, m - 1, d));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== m - 1 || t.getUTCDate() !== d || y < 1900 || y > 2200)
    return undefined;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/**
 * A calendar date as YYYY-MM-DD: ISO ("2023-12-02", "2023-12-02T00:00:00"), Brazilian
 * ("02/12/2023") or, with `order: 'mdy'`, US ("12/1/2021" as in the CEC files). Impossible dates
 * (2023-02-30) are undefined.
 */
export function parseDate(raw: string | null | undefined, order: 'dmy' | 'mdy' = 'dmy'): string | null | undefined {
  if (isNullMarker(raw)) return null;
  const s = (raw as string).trim();
  let m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(s);
  if (m) return validDate(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(s);
  if (m) {
    const [a, b] = [Number(m[1]), Number(m[2])];
    return order === 'dmy' ? validDate(Number(m[3]), b, a) : validDate(Number(m[3]), a, b);
  }
  return undefined;
}

// Windows-1252 code points of 0x80-0x9F: text decoded as Latin-1 carries them as C1 controls.
const CP1252_C1 = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

/** Replaces C1 control characters (a Windows-1252 byte read as Latin-1, e.g. U+0096) with what was meant ("–"). */
export function fixC1(s: string): string {
  return s.replace(/[\u0080-\u009f]/g, (c) => CP1252_C1[c.charCodeAt(0) - 0x80] ?? c);
}

/**
 * Decodes a file: UTF-8 (BOM dropped) when the bytes are valid UTF-8, Windows-1252 otherwise
 * (a superset of Latin-1 for the printable range). Returns which one was used.
 */
export function decodeText(bytes: Uint8Array): { text: string; encoding: 'utf-8' | 'windows-1252' } {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return { text: fixC1(text.replace(/^\uFEFF/, '')), encoding: 'utf-8' };
  } catch {
    return { text: new TextDecoder('windows-1252').decode(bytes), encoding: 'windows-1252' };
  }
}

/** A header or label folded for matching: lower case, no accents, runs of other characters as one "_". */
export function foldKey(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
}
