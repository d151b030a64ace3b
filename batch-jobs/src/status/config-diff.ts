import { canonicalJson } from '../versions/data-version.ts';

export interface ConfigChange {
  /** Dotted path, e.g. "demo_meter_daily.max_kwh". */
  key: string;
  before: unknown;
  after: unknown;
}

function flatten(value: unknown, prefix: string, out: Map<string, unknown>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix) out.set(prefix, {});
    for (const [k, v] of entries) flatten(v, prefix ? `${prefix}.${k}` : k, out);
    return;
  }
  out.set(prefix, value);
}

/** Exactly the leaf keys whose values differ (added, removed or changed), sorted. */
export function diffConfig(before: unknown, after: unknown): ConfigChange[] {
  const a = new Map<string, unknown>();
  const b = new Map<string, unknown>();
  flatten(before ?? {}, '', a);
  flatten(after ?? {}, '', b);
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  return keys
    .filter((k) => canonicalJson(a.get(k) ?? null) !== canonicalJson(b.get(k) ?? null) || a.has(k) !== b.has(k))
    .map((k) => ({ key: k, before: a.get(k), after: b.get(k) }));
}
