import { MEASUREMENTS } from '@ysh/common';
import type { BoardSpec } from '../board.ts';
import type { QuerySpec } from '../query.ts';
import { fluxFrom, grafanaVar, pipe } from '../query.ts';
import { ALERT_ANNOTATIONS } from './alert-queries.ts';
import { DEVICE_VARIABLE, SITE_VARIABLE } from './site.ts';

const W5 = MEASUREMENTS.window5m;
const DEV = { site: grafanaVar('site'), device: grafanaVar('device') };
const SEL = 'site="$site", device="$device"';

/** One 5-minute field of the selected inverter as a series named after the field. */
function field(name: string, legend: string): QuerySpec {
  return {
    labels: ['device'],
    name: legend,
    promql: `inverter_5m_${name}{${SEL}}`,
    flux: pipe(
      fluxFrom(W5, [name], DEV),
      'aggregateWindow(every: v.windowPeriod, fn: mean, createEmpty: false)',
      `map(fn: (r) => ({r with _field: "${legend}"}))`,
    ),
  };
}

export const inverter: BoardSpec = {
  uid: 'ysh-inverter',
  title: 'Inverter',
  description:
    'One inverter (site and device variables): AC and DC power, AC and DC voltages, temperature, the SunSpec operating state reading by reading, and its alert history.',
  tags: ['inverter'],
  flavours: ['influxdb', 'prometheus'],
  variables: [SITE_VARIABLE, DEVICE_VARIABLE],
  annotations: ALERT_ANNOTATIONS,
  panels: [
    {
      kind: 'timeseries',
      title: 'AC and DC power',
      description: 'Window means of AC output and DC input power; the gap between them is conversion loss.',
      unit: 'watt',
      min: 0,
      queries: [field('ac_power_w_mean', 'AC'), field('dc_power_w_mean', 'DC')],
    },
    {
      kind: 'timeseries',
      title: 'Voltages',
      description: 'Window means of the AC grid voltage and the DC string voltage.',
      unit: 'volt',
      queries: [field('ac_voltage_v_mean', 'AC'), field('dc_voltage_v_mean', 'DC')],
    },
    {
      kind: 'timeseries',
      title: 'Temperature',
      description: 'Window mean and maximum of the inverter’s internal temperature.',
      unit: 'celsius',
      queries: [field('temperature_c_mean', 'mean'), field('temperature_c_max', 'max')],
    },
    {
      kind: 'states',
      title: 'Operating state',
      description:
        'SunSpec operating state (St) of every reading (MPPT is producing; Fault, Throttled, Standby…). Needs the raw readings written (YSH_INFLUX_RAW=true).',
      unit: 'none',
      queries: [
        {
          labels: ['device'],
          promql: `inverter_raw_operating_state{${SEL}}`,
          flux: pipe(
            fluxFrom(MEASUREMENTS.raw, ['operating_state'], DEV),
            'keep(columns: ["_time", "_value", "device"])',
          ),
        },
      ],
    },
    {
      kind: 'table',
      title: 'Alert history',
      description:
        'Alert events of this inverter over the time range: rule, severity and lifecycle event, latest value first.',
      unit: 'none',
      size: [24, 8],
      queries: [
        {
          labels: ['rule', 'severity', 'event'],
          instant: true,
          promql: `last_over_time(inverter_alerts_open{${SEL}}[$__range])`,
          flux: pipe(
            fluxFrom(MEASUREMENTS.alerts, ['message'], DEV),
            'group()',
            'keep(columns: ["_time", "_value", "rule", "severity", "event"])',
            'sort(columns: ["_time"], desc: true)',
          ),
        },
      ],
    },
  ],
};
