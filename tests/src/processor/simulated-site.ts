import type { Metrics, Reading } from '@ysh/common';
import { DEFAULT_SITE, defaultDevice, SimulatedDevice, type Fault } from '@ysh/firmware-sim';

const H = 3_600_000;
/** A November day in São Paulo (UTC-3): the sun is up from about 08:15 to 21:40 UTC. */
export const SIM_DAY = Date.parse('2026-11-21T00:00:00Z');
export const SIM_NAMEPLATE_WP = 5500;

export interface FaultWindow {
  device: string;
  fault: Fault;
  fromHour: number;
  toHour: number;
}

/**
 * Readings an edge agent would forward from the firmware simulator's devices
 * (ground truth at each 10 s step): nothing while a device is in
 * `comm-loss`, the values held still while `frozen-values` holds its registers.
 */
export function simulatedSite(options: {
  devices?: number;
  faults?: FaultWindow[];
  fromHour?: number;
  toHour?: number;
  seed?: number;
}): Reading[] {
  const stepMs = 10_000;
  const specs = Array.from({ length: options.devices ?? 4 }, (_, i) => defaultDevice(i + 1, DEFAULT_SITE));
  const devices = specs.map((s) => new SimulatedDevice(s, options.seed ?? 7, SIM_DAY, stepMs));
  for (const f of options.faults ?? []) {
    const d = devices.find((x) => x.spec.id === f.device);
    if (!d) throw new Error(`no simulated device ${f.device}`);
    d.schedule(SIM_DAY + f.fromHour * H, (dev) => dev.applyFault(f.fault));
    d.schedule(SIM_DAY + f.toHour * H, (dev) => {
      dev.clearFault(f.fault.type, f.fault.type === 'mppt-failure' ? f.fault.mppt : undefined);
    });
  }
  const out: Reading[] = [];
  const seq = new Map<string, number>();
  const held = new Map<string, Metrics>();
  const from = SIM_DAY + (options.fromHour ?? 0) * H;
  const to = SIM_DAY + (options.toHour ?? 24) * H;
  for (let t = from; t < to; t += stepMs) {
    for (const d of devices) {
      const truth = d.truth(t);
      if (truth.faults.some((f) => f.type === 'comm-loss')) continue;
      let metrics = truth.metrics as Metrics;
      if (truth.frozen) {
        metrics = held.get(truth.device) ?? metrics;
        held.set(truth.device, metrics);
      } else held.delete(truth.device);
      const s = (seq.get(truth.device) ?? 0) + 1;
      seq.set(truth.device, s);
      out.push({
        v: 1,
        site: truth.site,
        device: truth.device,
        ts: truth.ts,
        seq: s,
        metrics: { ...metrics },
        quality: 'good',
      });
    }
  }
  return out;
}
