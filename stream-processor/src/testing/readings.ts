import type { Metrics, Reading } from '@ysh/common';

/** Scripted readings for unit tests: one device, fixed cadence, metrics from a function of time. */
export function reading(
  device: string,
  seq: number,
  ts: number,
  metrics: Partial<Metrics> = {},
  site = 'site-a',
): Reading {
  return {
    v: 1,
    site,
    device,
    ts: new Date(ts).toISOString(),
    seq,
    metrics: {
      ac_power_w: 1000,
      dc_power_w: 1040,
      temperature_c: 40,
      ac_voltage_v: 230,
      dc_voltage_v: 600,
      ac_energy_wh: 1_000_000 + seq,
      operating_state: 4,
      events: 0,
      ...metrics,
    } as Metrics,
    quality: 'good',
  };
}

export const T0 = Date.parse('2026-11-21T12:00:00.000Z');
