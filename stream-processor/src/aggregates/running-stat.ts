/**
 * Welford running statistics: mergeable and serializable, so an emitted
 * window can take a late sample (or a stored window can be restored) and give
 * exactly the result a single pass over every sample would have given.
 */
export interface RunningStat {
  n: number;
  mean: number;
  m2: number;
  min: number;
  max: number;
}

export interface StatSummary {
  mean: number;
  min: number;
  max: number;
  stddev: number;
}

export function emptyStat(): RunningStat {
  return { n: 0, mean: 0, m2: 0, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY };
}

export function addSample(stat: RunningStat, x: number): void {
  stat.n += 1;
  const delta = x - stat.mean;
  stat.mean += delta / stat.n;
  stat.m2 += delta * (x - stat.mean);
  if (x < stat.min) stat.min = x;
  if (x > stat.max) stat.max = x;
}

/** Population standard deviation (the window holds every sample of its period). */
export function summarize(stat: RunningStat): StatSummary | null {
  if (stat.n === 0) return null;
  return {
    mean: stat.mean,
    min: stat.min,
    max: stat.max,
    stddev: stat.n > 1 ? Math.sqrt(Math.max(0, stat.m2 / stat.n)) : 0,
  };
}
