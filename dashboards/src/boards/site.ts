import { MEASUREMENTS } from '@ysh/common';
import type { BoardSpec } from '../board.ts';
import { INFLUX_BUCKET } from '../datasources.ts';
import { fluxFrom, grafanaVar, pipe } from '../query.ts';
import { ALERT_ANNOTATIONS } from './alert-queries.ts';

const W5 = MEASUREMENTS.window5m;

export const SITE_VARIABLE = {
  name: 'site',
  label: 'Site',
  promql: 'label_values(inverter_5m_samples, site)',
  flux: `import "influxdata/influxdb/schema"\nschema.tagValues(bucket: "${INFLUX_BUCKET}", tag: "site", predicate: (r) => r._measurement == "${W5}", start: -30d)`,
};

export const DEVICE_VARIABLE = {
  name: 'device',
  label: 'Inverter',
  promql: 'label_values(inverter_5m_samples{site="$site"}, device)',
  flux: `import "influxdata/influxdb/schema"\nschema.tagValues(bucket: "${INFLUX_BUCKET}", tag: "device", predicate: (r) => r._measurement == "${W5}" and r.site == "\${site}", start: -30d)`,
};

const SITE = { site: grafanaVar('site') };

export const site: BoardSpec = {
  uid: 'ysh-site',
  title: 'Site',
  description:
    'One site (site variable): the AC power of every inverter, energy per day, each inverter’s availability and the balance between its MPPT inputs, with the site’s alert events as annotations.',
  tags: ['site'],
  flavours: ['influxdb', 'prometheus'],
  variables: [SITE_VARIABLE],
  annotations: ALERT_ANNOTATIONS,
  panels: [
    {
      kind: 'timeseries',
      title: 'AC power per inverter',
      description: 'Mean AC power of each inverter per window.',
      unit: 'watt',
      min: 0,
      size: [24, 9],
      queries: [
        {
          labels: ['device'],
          promql: 'inverter_5m_ac_power_w_mean{site="$site"}',
          flux: pipe(
            fluxFrom(W5, ['ac_power_w_mean'], SITE),
            'group(columns: ["device"])',
            'aggregateWindow(every: v.windowPeriod, fn: mean, createEmpty: false)',
          ),
        },
      ],
    },
    {
      kind: 'bars',
      title: 'Energy per day',
      description: 'AC energy produced per inverter and day (sum of the windows’ energy deltas).',
      unit: 'watth',
      min: 0,
      queries: [
        {
          labels: ['device'],
          interval: '1d',
          // Each day's point sums the day that starts there (MetricsQL negative offset: VictoriaMetrics).
          promql: 'sum by (device) (sum_over_time(inverter_5m_energy_wh{site="$site"}[1d] offset -1d))',
          flux: pipe(
            fluxFrom(W5, ['energy_wh'], SITE),
            'group(columns: ["device"])',
            'aggregateWindow(every: 1d, fn: sum, createEmpty: false)',
          ),
        },
      ],
    },
    {
      kind: 'bargauge',
      title: 'Availability per inverter',
      description: 'Share of expected readings that arrived over the time range, per inverter.',
      unit: 'percentunit',
      min: 0,
      max: 1,
      queries: [
        {
          labels: ['device'],
          instant: true,
          promql: 'avg by (device) (avg_over_time(inverter_5m_availability{site="$site"}[$__range]))',
          flux: pipe(fluxFrom(W5, ['availability'], SITE), 'group(columns: ["device"])', 'mean()'),
        },
      ],
    },
    {
      kind: 'timeseries',
      title: 'MPPT balance',
      description:
        'Weakest MPPT input’s DC power over the strongest one’s, per inverter with several MPPT inputs: 1 is balanced, a drop points at a string failure or shading.',
      unit: 'percentunit',
      min: 0,
      max: 1,
      size: [24, 8],
      queries: [
        {
          labels: ['device'],
          promql:
            'min by (device) ({__name__=~"inverter_5m_mppt[0-9]+_dc_power_w_mean", site="$site"}) / max by (device) ({__name__=~"inverter_5m_mppt[0-9]+_dc_power_w_mean", site="$site"}) > 0',
          flux: pipe(
            fluxFrom(W5, [], SITE),
            'filter(fn: (r) => r._field =~ /^mppt[0-9]+_dc_power_w_mean$/)',
            'group(columns: ["device", "_time"])',
            'reduce(identity: {lo: 1000000000000.0, hi: 0.0}, fn: (r, accumulator) => ({lo: if r._value < accumulator.lo then r._value else accumulator.lo, hi: if r._value > accumulator.hi then r._value else accumulator.hi}))',
            'filter(fn: (r) => r.hi > 0.0)',
            'map(fn: (r) => ({_time: r._time, device: r.device, _value: r.lo / r.hi}))',
            'group(columns: ["device"])',
            'sort(columns: ["_time"])',
          ),
        },
      ],
    },
  ],
};
