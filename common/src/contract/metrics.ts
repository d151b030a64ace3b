/**
 * Metric names of the telemetry contract v1. Units live in the name suffix
 * (`_w`, `_wh`, `_v`, `_a`, `_hz`, `_c`); values are SI with SunSpec scale
 * factors already applied. `operating_state` and `events` follow SunSpec
 * model 101/103 `St` and `Evt1`.
 */
export interface MetricDef {
  unit: 'W' | 'Wh' | 'V' | 'A' | 'Hz' | '°C' | 'enum' | 'bitfield';
  description: string;
  /** Must be an integer (counters, enums, bitfields). */
  integer?: boolean;
  minimum?: number;
  maximum?: number;
  /** SunSpec point it is decoded from (model.point). */
  sunspec?: string;
}

export const METRICS = {
  ac_power_w: { unit: 'W', description: 'AC active power', sunspec: '103.W' },
  ac_energy_wh: {
    unit: 'Wh',
    description: 'AC lifetime energy counter',
    integer: true,
    minimum: 0,
    sunspec: '103.WH',
  },
  ac_current_a: { unit: 'A', description: 'AC total current', sunspec: '103.A' },
  ac_voltage_v: { unit: 'V', description: 'AC voltage, phase A to neutral', sunspec: '103.PhVphA' },
  ac_frequency_hz: { unit: 'Hz', description: 'AC grid frequency', minimum: 0, sunspec: '103.Hz' },
  dc_power_w: { unit: 'W', description: 'DC input power', sunspec: '103.DCW' },
  dc_voltage_v: { unit: 'V', description: 'DC input voltage', sunspec: '103.DCV' },
  dc_current_a: { unit: 'A', description: 'DC input current', sunspec: '103.DCA' },
  temperature_c: { unit: '°C', description: 'cabinet temperature', sunspec: '103.TmpCab' },
  heatsink_temperature_c: { unit: '°C', description: 'heat-sink temperature', sunspec: '103.TmpSnk' },
  operating_state: {
    unit: 'enum',
    description: 'SunSpec operating state (1 off … 8 standby)',
    integer: true,
    minimum: 1,
    maximum: 8,
    sunspec: '103.St',
  },
  events: {
    unit: 'bitfield',
    description: 'SunSpec event flags (Evt1)',
    integer: true,
    minimum: 0,
    maximum: 0xffffffff,
    sunspec: '103.Evt1',
  },
} as const satisfies Record<string, MetricDef>;

export type MetricName = keyof typeof METRICS;
export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];

/** Per-MPPT (string) inputs from SunSpec model 160: `mppt1_dc_power_w` … `mppt16_dc_current_a`. */
export const MPPT_METRIC_PATTERN = '^mppt([1-9]|1[0-6])_dc_(power_w|voltage_v|current_a)$';
export const MAX_MPPT = 16;

export function mpptMetric(index: number, quantity: 'power_w' | 'voltage_v' | 'current_a'): string {
  return `mppt${index}_dc_${quantity}`;
}

/** SunSpec operating states (model 101/103 `St`). */
export const OPERATING_STATE = {
  OFF: 1,
  SLEEPING: 2,
  STARTING: 3,
  MPPT: 4,
  THROTTLED: 5,
  SHUTTING_DOWN: 6,
  FAULT: 7,
  STANDBY: 8,
} as const;

/** SunSpec model 101/103 `Evt1` bits. */
export const EVENT_BITS = {
  GROUND_FAULT: 0,
  DC_OVER_VOLT: 1,
  AC_DISCONNECT: 2,
  DC_DISCONNECT: 3,
  GRID_DISCONNECT: 4,
  CABINET_OPEN: 5,
  MANUAL_SHUTDOWN: 6,
  OVER_TEMP: 7,
  OVER_FREQUENCY: 8,
  UNDER_FREQUENCY: 9,
  AC_OVER_VOLT: 10,
  AC_UNDER_VOLT: 11,
  BLOWN_STRING_FUSE: 12,
  UNDER_TEMP: 13,
  MEMORY_LOSS: 14,
  HW_TEST_FAILURE: 15,
} as const;
