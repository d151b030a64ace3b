import type { SeriesPoint } from './api/types.ts';

/**
 * The API's `{t, values}` points as uPlot's columns: unix seconds first, then one column per
 * field, each multiplied by `scale` (W → kW). Missing or non-numeric values become null (a gap).
 * Points are sorted by time and duplicates of one instant keep the last.
 */
export function toColumns(points: SeriesPoint[], fields: string[], scale = 1): [number[], ...(number | null)[][]] {
  const rows = new Map<number, SeriesPoint>();
  for (const p of points) {
    const t = Date.parse(p.t);
    if (!Number.isNaN(t)) rows.set(Math.floor(t / 1000), p);
  }
  const xs = [...rows.keys()].sort((a, b) => a - b);
  const cols = fields.map((field) =>
    xs.map((x) => {
      const v = rows.get(x)?.values[field];
      return typeof v === 'number' && Number.isFinite(v) ? v * scale : null;
    }),
  );
  return [xs, ...cols];
}

/** Fields of a series answer that look like MPPT inputs (`mppt1PowerW`, `mppt2VoltageV`, ...), in input order. */
export function mpptFields(points: SeriesPoint[], suffix = 'PowerW'): string[] {
  const found = new Set<string>();
  for (const p of points)
    for (const k of Object.keys(p.values)) if (/^mppt\d+/.test(k) && k.endsWith(suffix)) found.add(k);
  return [...found].sort((a, b) => Number(a.match(/\d+/)?.[0]) - Number(b.match(/\d+/)?.[0]));
}

export type RangeKey = '24h' | '7d' | '30d' | 'custom';

const HOURS: Record<Exclude<RangeKey, 'custom'>, number> = { '24h': 24, '7d': 24 * 7, '30d': 24 * 30 };

/** The [from, to] ISO instants of a preset period ending now, or of a custom one (local date inputs). */
export function rangeOf(
  key: RangeKey,
  now: number,
  custom?: { from: string; to: string },
): { from: string; to: string } {
  if (key === 'custom' && custom) {
    const from = new Date(custom.from);
    const to = new Date(custom.to);
    if (!Number.isNaN(from.getTime()) && !Number.isNaN(to.getTime()) && from < to)
      return { from: from.toISOString(), to: to.toISOString() };
  }
  const hours = HOURS[key === 'custom' ? '24h' : key];
  return { from: new Date(now - hours * 3600_000).toISOString(), to: new Date(now).toISOString() };
}
