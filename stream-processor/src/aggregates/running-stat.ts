/**
 * Welford running statistics: mergeable and serializable, so an emitted
 * window can take a late sample (or a stored window can be restored) and give
 * exactly the result a single pass over every sample would have given.
 *
 * A statistic is five numbers at an offset of a flat array (n, mean, m2, min,
 * max), so a window keeps all of its statistics in one array of unboxed
 * doubles instead of an object and four boxed numbers each: the open windows
 * of a fleet are what every scavenge has to copy.
 */
export const STAT_SIZE = 5;
const N = 0;
const MEAN = 1;
const M2 = 2;
const MIN = 3;
const MAX = 4;

export interface StatSummary {
  mean: number;
  min: number;
  max: number;
  stddev: number;
}

/** Empty statistics (no sample, min +∞ and max −∞) by count, copied rather than built for each window. */
const empty: number[][] = [];

/** `count` empty statistics in one array of doubles. */
export function emptyStats(count: number): number[] {
  let template = empty[count];
  if (!template) {
    template = [];
    for (let i = 0; i < count; i++) template.push(0, 0, 0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY);
    empty[count] = template;
  }
  return template.slice();
}

export function addSample(s: number[], at: number, x: number): void {
  const n = (s[at + N] as number) + 1;
  s[at + N] = n;
  const mean = s[at + MEAN] as number;
  const delta = x - mean;
  const next = mean + delta / n;
  s[at + MEAN] = next;
  s[at + M2] = (s[at + M2] as number) + delta * (x - next);
  // -0 is kept as 0 (mean and m2 never become -0): JSON, and so a stored statistic, has no -0.
  if (x < (s[at + MIN] as number)) s[at + MIN] = x + 0;
  if (x > (s[at + MAX] as number)) s[at + MAX] = x + 0;
}

/** A statistic as stored: [n, mean, m2, min, max], an empty min and max as null. */
export type StoredStat = (number | null)[];

/** A statistic in its stored order (its infinities become null when written as JSON). */
export function storedStat(s: number[], at: number): number[] {
  return s.slice(at, at + STAT_SIZE);
}

/** Writes a stored statistic back into `s` at `at` (absent: left empty). */
export function readStoredStat(s: number[], at: number, v: StoredStat | undefined): void {
  if (!v) return;
  s[at + N] = v[N] ?? 0;
  s[at + MEAN] = v[MEAN] ?? 0;
  s[at + M2] = v[M2] ?? 0;
  s[at + MIN] = v[MIN] ?? Number.POSITIVE_INFINITY;
  s[at + MAX] = v[MAX] ?? Number.NEGATIVE_INFINITY;
}

export function sampleCount(s: number[], at: number): number {
  return s[at + N] as number;
}

export function meanOf(s: number[], at: number): number {
  return s[at + MEAN] as number;
}

/** Population standard deviation (the window holds every sample of its period). */
export function summarize(s: number[], at: number): StatSummary | null {
  const n = s[at + N] as number;
  if (n === 0) return null;
  return {
    mean: s[at + MEAN] as number,
    min: s[at + MIN] as number,
    max: s[at + MAX] as number,
    stddev: n > 1 ? Math.sqrt(Math.max(0, (s[at + M2] as number) / n)) : 0,
  };
}
