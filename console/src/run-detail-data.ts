import type { RunCheck, RunDetail, RunLog, RunStep } from './api/types.ts';

/**
 * A run detail answer as the console shows it. The contract's camelCase shape
 * (`{id, status, ..., steps, checks, logs}`) and the engine's row shape the API serves today
 * (`{run: {...}, steps: [{asset_key, ...}], checks: [{check_name, ...}], logs: [...]}`) both read.
 */
type Doc = Record<string, unknown>;

const str = (v: unknown): string | null =>
  typeof v === 'string' ? v : v instanceof Date ? v.toISOString() : v == null ? null : String(v);
const pick = (o: Doc, ...names: string[]): unknown => {
  for (const n of names) if (o[n] !== undefined) return o[n];
  return undefined;
};
const rows = (v: unknown): Doc[] => (Array.isArray(v) ? v.filter((x): x is Doc => !!x && typeof x === 'object') : []);
const errorText = (v: unknown): string | null => {
  if (v == null) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && typeof (v as Doc).message === 'string') return (v as Doc).message as string;
  return JSON.stringify(v);
};

export function normalizeRun(answer: unknown): RunDetail {
  const doc = (answer && typeof answer === 'object' ? answer : {}) as Doc;
  const run = (doc.run && typeof doc.run === 'object' ? doc.run : doc) as Doc;
  const steps: RunStep[] = rows(doc.steps).map((s) => ({
    asset: str(pick(s, 'asset', 'asset_key', 'assetKey')) ?? '?',
    status: str(s.status) ?? '?',
    startedAt: str(pick(s, 'startedAt', 'started_at')),
    finishedAt: str(pick(s, 'finishedAt', 'finished_at')),
    rows: typeof s.rows === 'number' ? s.rows : null,
    error: errorText(s.error) ?? str(s.reason),
  }));
  const checks: RunCheck[] = rows(doc.checks).map((c) => ({
    asset: str(pick(c, 'asset', 'asset_key', 'assetKey')) ?? undefined,
    name: str(pick(c, 'name', 'check_name', 'checkName')) ?? '?',
    passed: c.passed === true,
    severity: str(c.severity) ?? undefined,
    detail: (() => {
      const d = pick(c, 'detail', 'details');
      return d == null ? null : typeof d === 'string' ? d : JSON.stringify(d);
    })(),
  }));
  const logs: RunLog[] = rows(doc.logs).map((l) => ({
    at: str(l.at) ?? '',
    level: str(l.level) ?? 'info',
    message: str(l.message) ?? '',
    asset: str(pick(l, 'asset', 'asset_key', 'assetKey')),
  }));
  const assets = Array.isArray(run.assets) ? run.assets.map(String) : [...new Set(steps.map((s) => s.asset))];
  return {
    id: str(run.id) ?? '',
    status: str(run.status) ?? '?',
    trigger: str(run.trigger) ?? '',
    assets,
    startedAt: str(pick(run, 'startedAt', 'started_at', 'createdAt', 'created_at')),
    finishedAt: str(pick(run, 'finishedAt', 'finished_at')),
    steps,
    checks,
    logs,
  };
}
