import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { parseDuration } from '../config/duration.ts';
import { SiteConfigError } from './errors.ts';

export type Path = (string | number)[];

export interface Problem {
  field: string;
  line: number | undefined;
  message: string;
}

/** "devices[2].port" from ['devices', 2, 'port']. */
export function pathText(path: Path): string {
  return path.reduce<string>(
    (acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part),
    '',
  );
}

const SIZE = /^(\d+(?:\.\d+)?)\s*(B|KB|KiB|MB|MiB|GB|GiB)?$/i;
const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1000,
  kib: 1024,
  mb: 1e6,
  mib: 1024 ** 2,
  gb: 1e9,
  gib: 1024 ** 3,
};

/**
 * Reads typed fields out of a parsed YAML document, collecting every mistake
 * with the field path and the line it sits on (the node's own line, or its
 * parent's when the field is missing).
 */
export class FieldReader {
  readonly problems: Problem[] = [];
  private readonly doc: Document;
  private readonly lines: LineCounter;

  constructor(doc: Document, lines: LineCounter) {
    this.doc = doc;
    this.lines = lines;
  }

  /**
   * `edit` may change the parsed document before its value is read (a remote configuration
   * gets the agent's own site and uplink); what it returns is reported with the other problems.
   */
  static parse(
    text: string,
    file: string,
    edit?: (doc: Document, lineAt: (offset: number) => number) => Problem[],
  ): { reader: FieldReader; value: unknown } {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    if (doc.errors.length > 0) {
      throw new SiteConfigError(
        doc.errors.map((e) => ({
          field: '(yaml)',
          line: lines.linePos(e.pos[0]).line,
          message: (e.message.split('\n')[0] ?? e.code).replace(/ at line \d+, column \d+:?$/, ''),
        })),
        file,
      );
    }
    const edited = edit ? edit(doc, (offset) => lines.linePos(offset).line) : [];
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      // Unresolvable aliases, alias bombs: the YAML parsed but has no plain value.
      throw new SiteConfigError([{ field: '(yaml)', line: 1, message: (err as Error).message }], file);
    }
    const reader = new FieldReader(doc, lines);
    reader.problems.push(...edited);
    return { reader, value };
  }

  lineOf(path: Path): number | undefined {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, n), true);
      const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
      if (range) return this.lines.linePos(range[0]).line;
    }
    return undefined;
  }

  /** Line of the key itself (better than the value's line for block maps). */
  keyLine(path: Path): number | undefined {
    if (path.length === 0) return this.lineOf(path);
    const parent = path.length === 1 ? this.doc.contents : this.doc.getIn(path.slice(0, -1), true);
    if (isMap(parent)) {
      const key = path[path.length - 1];
      const pair = parent.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
      const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
      if (range) return this.lines.linePos(range[0]).line;
    }
    if (isSeq(parent)) return this.lineOf(path);
    return this.lineOf(path);
  }

  fail(path: Path, message: string): undefined {
    this.problems.push({ field: pathText(path) || '(root)', line: this.keyLine(path), message });
    return undefined;
  }

  object(value: unknown, path: Path): Record<string, unknown> | undefined {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return this.fail(path, `expected a mapping, got ${describe(value)}`);
    }
    return value as Record<string, unknown>;
  }

  /** Flags keys that are not in `known` (typos are the commonest config mistake). */
  unknownKeys(obj: Record<string, unknown>, path: Path, known: readonly string[]): void {
    for (const key of Object.keys(obj)) {
      if (!known.includes(key)) this.fail([...path, key], `is not a known field (expected one of ${known.join(', ')})`);
    }
  }

  string(
    obj: Record<string, unknown>,
    path: Path,
    key: string,
    opts: { default?: string; pattern?: RegExp; expects?: string } = {},
  ): string | undefined {
    const v = obj[key];
    if (v === undefined || v === null) {
      if (opts.default !== undefined) return opts.default;
      return this.fail([...path, key], `is required (${opts.expects ?? 'a string'})`);
    }
    if (typeof v !== 'string' || v === '') {
      return this.fail([...path, key], `expected ${opts.expects ?? 'a non-empty string'}, got ${describe(v)}`);
    }
    if (opts.pattern && !opts.pattern.test(v)) {
      return this.fail([...path, key], `expected ${opts.expects ?? `to match ${opts.pattern}`}, got ${describe(v)}`);
    }
    return v;
  }

  int(
    obj: Record<string, unknown>,
    path: Path,
    key: string,
    opts: { default?: number; min: number; max: number },
  ): number | undefined {
    const v = obj[key];
    if (v === undefined || v === null) {
      if (opts.default !== undefined) return opts.default;
      return this.fail([...path, key], `is required (an integer between ${opts.min} and ${opts.max})`);
    }
    if (typeof v !== 'number' || !Number.isInteger(v) || v < opts.min || v > opts.max) {
      return this.fail([...path, key], `expected an integer between ${opts.min} and ${opts.max}, got ${describe(v)}`);
    }
    return v;
  }

  bool(obj: Record<string, unknown>, path: Path, key: string, fallback: boolean): boolean {
    const v = obj[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean') {
      this.fail([...path, key], `expected true or false, got ${describe(v)}`);
      return fallback;
    }
    return v;
  }

  oneOf<T extends string | number>(
    obj: Record<string, unknown>,
    path: Path,
    key: string,
    values: readonly T[],
    fallback?: T,
  ): T | undefined {
    const v = obj[key];
    if (v === undefined || v === null) {
      if (fallback !== undefined) return fallback;
      return this.fail([...path, key], `is required (one of ${values.join(', ')})`);
    }
    if (!(values as readonly unknown[]).includes(v)) {
      return this.fail([...path, key], `expected one of ${values.join(', ')}, got ${describe(v)}`);
    }
    return v as T;
  }

  /** Milliseconds from "500ms", "5s", "2m" (a bare number means milliseconds). */
  duration(
    obj: Record<string, unknown>,
    path: Path,
    key: string,
    opts: { default?: number; minMs: number; maxMs: number },
  ): number | undefined {
    const v = obj[key];
    if (v === undefined || v === null) {
      if (opts.default !== undefined) return opts.default;
      return this.fail([...path, key], 'is required (a duration such as 500ms, 5s or 1m)');
    }
    const ms = typeof v === 'number' ? v : typeof v === 'string' ? parseDuration(v) : undefined;
    if (ms === undefined || !Number.isFinite(ms)) {
      return this.fail([...path, key], `expected a duration such as 500ms, 5s or 1m, got ${describe(v)}`);
    }
    if (ms < opts.minMs || ms > opts.maxMs) {
      return this.fail(
        [...path, key],
        `expected a duration between ${opts.minMs} ms and ${opts.maxMs} ms, got ${ms} ms`,
      );
    }
    return ms;
  }

  /** Bytes from "64KiB", "512MB", "1GiB" or a bare integer. */
  size(
    obj: Record<string, unknown>,
    path: Path,
    key: string,
    opts: { default: number; min: number; max: number },
  ): number {
    const v = obj[key];
    if (v === undefined || v === null) return opts.default;
    let bytes: number | undefined;
    if (typeof v === 'number' && Number.isInteger(v)) bytes = v;
    else if (typeof v === 'string') {
      const m = SIZE.exec(v.trim());
      if (m) bytes = Math.round(Number(m[1]) * (SIZE_UNITS[(m[2] ?? 'b').toLowerCase()] ?? 1));
    }
    if (bytes === undefined || bytes < opts.min || bytes > opts.max) {
      this.fail(
        [...path, key],
        `expected a size between ${opts.min} and ${opts.max} bytes such as 64KiB or 512MB, got ${describe(v)}`,
      );
      return opts.default;
    }
    return bytes;
  }

  url(obj: Record<string, unknown>, path: Path, key: string, protocols: string[]): string | undefined {
    const raw = this.string(obj, path, key, { expects: `a URL (${protocols.join(' or ')})` });
    if (raw === undefined) return undefined;
    try {
      const u = new URL(raw);
      if (!protocols.includes(u.protocol)) {
        return this.fail(
          [...path, key],
          `expected a URL with protocol ${protocols.join(' or ')}, got ${describe(raw)}`,
        );
      }
      return raw.replace(/\/+$/, '');
    } catch {
      return this.fail([...path, key], `expected a URL (${protocols.join(' or ')}), got ${describe(raw)}`);
    }
  }
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return JSON.stringify(v);
}
