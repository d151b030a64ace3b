import type { CompareAsset, CompareCheck, CompareSide, RunComparison } from './api/types.ts';

/**
 * A `/v1/jobs/compare` answer as the compare screen shows it: every part present (missing arrays
 * read as empty, malformed entries dropped), so a partial answer still renders what it has.
 */
type Doc = Record<string, unknown>;

const isDoc = (v: unknown): v is Doc => !!v && typeof v === 'object' && !Array.isArray(v);
const docs = (v: unknown): Doc[] => (Array.isArray(v) ? v.filter(isDoc) : []);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
const numOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function side(v: unknown): CompareSide | null {
  if (!isDoc(v)) return null;
  return {
    status: String(v.status ?? '?'),
    dataVersion: typeof v.dataVersion === 'string' ? v.dataVersion : null,
    rowCount: numOrNull(v.rowCount),
    materializedHere: v.materializedHere === true,
  };
}

const passed = (v: unknown): { passed: boolean } | null => (isDoc(v) ? { passed: v.passed === true } : null);

export function readComparison(doc: unknown): RunComparison {
  const d = isDoc(doc) ? doc : {};
  const onlyIn = isDoc(d.onlyIn) ? d.onlyIn : {};
  return {
    config: docs(d.config).map((c) => ({ key: String(c.key ?? '?'), before: c.before, after: c.after })),
    onlyIn: { a: strings(onlyIn.a), b: strings(onlyIn.b) },
    assets: docs(d.assets).map(
      (r): CompareAsset => ({
        asset: String(r.asset ?? '?'),
        partition: typeof r.partition === 'string' ? r.partition : '',
        a: side(r.a),
        b: side(r.b),
        changed: strings(r.changed),
        rowCountDelta: numOrNull(r.rowCountDelta),
      }),
    ),
    checks: docs(d.checks).map(
      (c): CompareCheck => ({
        asset: String(c.asset ?? '?'),
        partition: typeof c.partition === 'string' ? c.partition : '',
        check: String(c.check ?? '?'),
        a: passed(c.a),
        b: passed(c.b),
      }),
    ),
  };
}

/** A config value as text: objects as JSON, missing as a dash. */
export const cellText = (v: unknown): string =>
  v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v);
