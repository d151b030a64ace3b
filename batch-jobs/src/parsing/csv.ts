import { parse } from 'csv-parse/sync';
import { decodeText } from './numbers.ts';

export interface DelimitedRow {
  /** 1-based line number in the file (of the row's first line). */
  line: number;
  /** header name -> cell text as read (trimmed) */
  record: Record<string, string>;
}

export interface DelimitedFile {
  encoding: 'utf-8' | 'windows-1252';
  delimiter: string;
  header: string[];
  rows: DelimitedRow[];
}

/** The delimiter of a header line: the most frequent of ';', tab and ',' (ties favour ';'). */
export function detectDelimiter(headerLine: string): string {
  const counts = [';', '\t', ','].map((d) => [d, headerLine.split(d).length - 1] as const);
  const best = counts.reduce((a, b) => (b[1] > a[1] ? b : a));
  return best[1] > 0 ? best[0] : ',';
}

/**
 * Reads a delimited text file with csv-parse: the encoding and delimiter are detected, the first
 * line (after `skipLines`) is the header, blank lines are skipped, and each row keeps its line
 * number so normalized rows can point back at it. Rows with more or fewer cells than the header
 * are kept (missing cells empty) so validation, not the reader, decides about them.
 */
export function readDelimited(bytes: Uint8Array, o: { skipAfterHeader?: number } = {}): DelimitedFile {
  const { text, encoding } = decodeText(bytes);
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const delimiter = detectDelimiter(firstLine);
  const records = parse(text, {
    delimiter,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    info: true,
    trim: true,
  }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
  const [head, ...body] = records;
  const header = (head?.record ?? []).map((h) => h.trim());
  const rows: DelimitedRow[] = [];
  for (const r of body.slice(o.skipAfterHeader ?? 0)) {
    if (r.record.every((c) => c === '')) continue;
    const record: Record<string, string> = {};
    header.forEach((h, i) => {
      record[h] = r.record[i] ?? '';
    });
    rows.push({ line: r.info.lines, record });
  }
  return { encoding, delimiter, header, rows };
}
