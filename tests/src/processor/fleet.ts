import type { Metrics, Reading } from '@ysh/common';

const H = 3_600_000;
export const FLEET_DAY = Date.parse('2026-11-21T00:00:00Z');

/** Two sites × 4 inverters, 10:00-12:30 at 10 s, with three injected incidents. */
export function faultyFleet(options: { fromHour?: number; toHour?: number } = {}): Reading[] {
  const sites: Record<string, string[]> = {
    'site-a': ['inv-a1', 'inv-a2', 'inv-a3', 'inv-a4'],
    'site-b': ['inv-b1', 'inv-b2', 'inv-b3', 'inv-b4'],
  };
  const from = FLEET_DAY + (options.fromHour ?? 10) * H;
  const to = FLEET_DAY + (options.toHour ?? 12.5) * H;
  const out: Reading[] = [];
  const seq = new Map<string, number>();
  const energy = new Map<string, number>();
  for (let t = from; t < to; t += 10_000) {
    const sun = Math.sin((Math.PI * ((t - FLEET_DAY) / H - 6)) / 12);
    for (const [site, devices] of Object.entries(sites)) {
      devices.forEach((device, i) => {
        const ripple = 1 + 0.01 * Math.sin(t / 7000 + i);
        let ac = 8500 * sun * ripple;
        let state = 4;
        let temp = 22 + 30 * sun + Math.sin(t / 17_000);
        const h = (t - FLEET_DAY) / H;
        if (device === 'inv-b2' && h >= 10.5 && h < 11.25) {
          ac = 0;
          state = 7;
        }
        if (device === 'inv-a3' && h >= 11 && h < 11.5) temp = 81;
        const dc = ac / 0.965;
        const e = (energy.get(device) ?? 1_000_000) + (ac * 10) / 3600;
        energy.set(device, e);
        const s = (seq.get(device) ?? 0) + 1;
        seq.set(device, s);
        const metrics: Metrics = {
          ac_power_w: ac,
          dc_power_w: dc,
          dc_voltage_v: 600 + Math.sin(t / 11_000),
          ac_voltage_v: 229 + Math.sin(t / 13_000 + i),
          temperature_c: temp,
          mppt1_dc_power_w: dc / 2,
          mppt2_dc_power_w: dc / 2,
          ac_energy_wh: Math.floor(e),
          operating_state: state,
          events: 0,
        };
        out.push({ v: 1, site, device, ts: new Date(t).toISOString(), seq: s, metrics, quality: 'good' });
      });
    }
  }
  return out;
}
