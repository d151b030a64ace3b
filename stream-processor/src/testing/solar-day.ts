import type { Metrics, Reading } from '@ysh/common';

/** A scripted solar day for a small site: sun curve, passing clouds, optional faults per device. */
export interface DayOptions {
  site?: string;
  devices: string[];
  /** Day start (00:00 UTC). */
  day: number;
  intervalMs?: number;
  nameplateWp?: number;
  /** Cloud dips: [startHour, endHour, factor]. */
  clouds?: [number, number, number][];
  /** Changes a device's reading at time t (fault injection); return undefined to drop it (silence). */
  fault?: (device: string, t: number, m: Metrics) => Metrics | undefined;
  fromHour?: number;
  toHour?: number;
}

const H = 3_600_000;

export function sunFactor(t: number, day: number): number {
  const h = (t - day) / H;
  return h <= 6 || h >= 18 ? 0 : Math.sin((Math.PI * (h - 6)) / 12);
}

/** Readings of every device, interleaved in time order as an edge agent would send them. */
export function solarDay(o: DayOptions): Reading[] {
  const site = o.site ?? 'site-a';
  const interval = o.intervalMs ?? 10_000;
  const wp = o.nameplateWp ?? 10_000;
  const out: Reading[] = [];
  const energy = new Map<string, number>(o.devices.map((d, i) => [d, 5_000_000 + i * 1000]));
  const seq = new Map<string, number>(o.devices.map((d) => [d, 0]));
  const from = o.day + (o.fromHour ?? 0) * H;
  const to = o.day + (o.toHour ?? 24) * H;
  for (let t = from; t < to; t += interval) {
    let cloud = 1;
    for (const [a, b, f] of o.clouds ?? []) if (t >= o.day + a * H && t < o.day + b * H) cloud = f;
    o.devices.forEach((device, i) => {
      const sun = sunFactor(t, o.day) * cloud;
      // Small deterministic ripple so values are never frozen.
      const ripple = 1 + 0.01 * Math.sin(t / 7_000 + i);
      const ac = sun > 0 ? wp * 0.85 * sun * ripple : 0;
      const dc = ac > 0 ? ac / 0.965 : 0;
      let metrics: Metrics = {
        ac_power_w: ac,
        dc_power_w: dc,
        dc_voltage_v: ac > 0 ? 580 + 20 * sun + Math.sin(t / 11_000) : 0,
        ac_voltage_v: 229 + Math.sin(t / 13_000 + i),
        temperature_c: 22 + 30 * sun + Math.sin(t / 17_000),
        mppt1_dc_power_w: dc / 2,
        mppt2_dc_power_w: dc / 2,
        operating_state: ac > 0 ? 4 : 2,
        events: 0,
        ac_energy_wh: 0,
      };
      if (o.fault) {
        const changed = o.fault(device, t, metrics);
        if (!changed) return;
        metrics = changed;
      }
      const e = (energy.get(device) as number) + ((metrics.ac_power_w ?? 0) * interval) / H;
      energy.set(device, e);
      metrics.ac_energy_wh = Math.floor(e);
      const s = (seq.get(device) as number) + 1;
      seq.set(device, s);
      out.push({ v: 1, site, device, ts: new Date(t).toISOString(), seq: s, metrics, quality: 'good' });
    });
  }
  return out;
}
