import { MAX_MPPT, mpptMetric, type MetricName } from '../contract/metrics.ts';
import type { DecodedModel, ModelValues } from './codec.ts';

/** Inverter models (101 single-, 102 split-, 103 three-phase) whose points map onto the contract. */
export const INVERTER_MODEL_IDS: readonly number[] = [101, 102, 103];

/** Contract v1 metric ← inverter model point (same point names in 101, 102 and 103). */
export const INVERTER_POINT_METRICS: Readonly<Record<string, MetricName>> = {
  W: 'ac_power_w',
  WH: 'ac_energy_wh',
  A: 'ac_current_a',
  PhVphA: 'ac_voltage_v',
  Hz: 'ac_frequency_hz',
  DCW: 'dc_power_w',
  DCV: 'dc_voltage_v',
  DCA: 'dc_current_a',
  TmpCab: 'temperature_c',
  TmpSnk: 'heatsink_temperature_c',
  St: 'operating_state',
  Evt1: 'events',
};

/** Model 160 module point → contract quantity suffix. */
const MPPT_POINTS = { DCW: 'power_w', DCV: 'voltage_v', DCA: 'current_a' } as const;

function num(values: ModelValues, name: string): number | undefined {
  const v = values[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/**
 * Maps decoded models 101/102/103 and 160 to contract v1 metrics (SI units,
 * scale factors applied). Missing points are left out, never reported as 0.
 * `dc_power_w` falls back to the sum of the MPPT inputs when the inverter
 * model does not implement DCW.
 */
export function toContractMetrics(models: readonly DecodedModel[]): Record<string, number> {
  const out: Record<string, number> = {};
  const inverter = models.find((m) => INVERTER_MODEL_IDS.includes(m.id));
  if (inverter) {
    for (const [point, metric] of Object.entries(INVERTER_POINT_METRICS)) {
      const v = num(inverter.values, point);
      if (v !== undefined) out[metric] = metric === 'ac_energy_wh' ? Math.round(v) : v;
    }
  }
  const mppt = models.find((m) => m.id === 160);
  const modules = mppt?.values.module;
  if (Array.isArray(modules)) {
    let dcSum = 0;
    let anyDc = false;
    modules.slice(0, MAX_MPPT).forEach((mod, i) => {
      for (const [point, quantity] of Object.entries(MPPT_POINTS)) {
        const v = num(mod, point);
        if (v === undefined) continue;
        out[mpptMetric(i + 1, quantity)] = v;
        if (point === 'DCW') {
          dcSum += v;
          anyDc = true;
        }
      }
    });
    if (out.dc_power_w === undefined && anyDc) out.dc_power_w = dcSum;
  }
  return out;
}

export interface DeviceIdentity {
  manufacturer: string | undefined;
  model: string | undefined;
  options: string | undefined;
  version: string | undefined;
  serial: string | undefined;
  deviceAddress: number | undefined;
}

/** Model 1 (common) strings. */
export function deviceIdentity(common: DecodedModel): DeviceIdentity {
  const s = (name: string): string | undefined => {
    const v = common.values[name];
    return typeof v === 'string' ? v : undefined;
  };
  return {
    manufacturer: s('Mn'),
    model: s('Md'),
    options: s('Opt'),
    version: s('Vr'),
    serial: s('SN'),
    deviceAddress: num(common.values, 'DA'),
  };
}
