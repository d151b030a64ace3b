import type { Reading } from '@ysh/common';

/** What a window result must hold, computed here independently of the processor from the readings in Kafka. */
export interface ExpectedWindow {
  device: string;
  windowStart: number;
  samples: number;
  availability: number;
  energyWh: number | null;
  acPower: { mean: number; min: number; max: number; stddev: number } | null;
  temperature: { mean: number; min: number; max: number; stddev: number } | null;
}

function stats(values: number[]) {
  if (values.length === 0) return null;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.length > 1 ? values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length : 0;
  return { mean, min: Math.min(...values), max: Math.max(...values), stddev: Math.sqrt(variance) };
}

/**
 * Tumbling event-time windows aligned on the epoch; each distinct (device, seq)
 * counted once; energy from the lifetime counter's deltas inside the window
 * (a drop counts the new value, as after a counter reset); population stddev;
 * availability = samples ÷ (window ÷ expected interval), capped at 1.
 */
export function expectedWindows(
  readings: Iterable<Reading>,
  windowMs: number,
  expectedIntervalMs: number,
): Map<string, ExpectedWindow> {
  const groups = new Map<string, Reading[]>();
  const seen = new Set<string>();
  for (const r of readings) {
    const id = `${r.device}#${r.seq}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const start = Math.floor(Date.parse(r.ts) / windowMs) * windowMs;
    const key = `${r.device}@${start}`;
    const list = groups.get(key) ?? [];
    list.push(r);
    groups.set(key, list);
  }
  const out = new Map<string, ExpectedWindow>();
  const expected = Math.max(1, Math.round(windowMs / expectedIntervalMs));
  for (const [key, list] of groups) {
    list.sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts) || a.seq - b.seq);
    const counters = list.map((r) => r.metrics.ac_energy_wh).filter((v): v is number => v !== undefined);
    let energy: number | null = counters.length > 0 ? 0 : null;
    for (let i = 1; i < counters.length; i++) {
      const prev = counters[i - 1] as number;
      const cur = counters[i] as number;
      energy = (energy as number) + (cur >= prev ? cur - prev : cur);
    }
    const first = list[0] as Reading;
    out.set(key, {
      device: first.device,
      windowStart: Number(key.split('@')[1]),
      samples: list.length,
      availability: Math.min(1, list.length / expected),
      energyWh: energy,
      acPower: stats(list.map((r) => r.metrics.ac_power_w).filter((v): v is number => v !== undefined)),
      temperature: stats(list.map((r) => r.metrics.temperature_c).filter((v): v is number => v !== undefined)),
    });
  }
  return out;
}
