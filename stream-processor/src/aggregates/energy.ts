/**
 * Energy produced in a window from the inverter's lifetime counter
 * (`ac_energy_wh`). Points are kept sorted by event time so a late reading
 * lands in its place. Between consecutive points the energy is the counter
 * delta; a drop means the counter was reset (replacement, firmware reset,
 * 32-bit wrap) and the energy since the reset is the new value itself.
 */
export interface EnergyPoints {
  ts: number[];
  wh: number[];
}

export function emptyEnergy(): EnergyPoints {
  return { ts: [], wh: [] };
}

export function addEnergyPoint(points: EnergyPoints, ts: number, wh: number): void {
  const n = points.ts.length;
  // Hot path: in-order readings append.
  if (n === 0 || (points.ts[n - 1] as number) < ts) {
    points.ts.push(ts);
    points.wh.push(wh);
    return;
  }
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((points.ts[mid] as number) < ts) lo = mid + 1;
    else hi = mid;
  }
  points.ts.splice(lo, 0, ts);
  points.wh.splice(lo, 0, wh);
}

export interface EnergySummary {
  energyWh: number;
  counterResets: number;
}

export function energyOf(points: EnergyPoints): EnergySummary | null {
  const n = points.wh.length;
  if (n === 0) return null;
  let energyWh = 0;
  let counterResets = 0;
  for (let i = 1; i < n; i++) {
    const prev = points.wh[i - 1] as number;
    const cur = points.wh[i] as number;
    if (cur >= prev) energyWh += cur - prev;
    else {
      counterResets += 1;
      energyWh += cur;
    }
  }
  return { energyWh, counterResets };
}
