import { MEASUREMENTS } from '@ysh/common';
import type { BoardSpec } from '../board.ts';
import { fluxFrom, pipe } from '../query.ts';
import { ALERT_ANNOTATIONS, openAlertsFlux, openAlertsPromql } from './alert-queries.ts';

const W5 = MEASUREMENTS.window5m;

export const fleet: BoardSpec = {
  uid: 'ysh-fleet',
  title: 'Fleet',
  description:
    'Every site at a glance: AC power now and energy produced today per site, availability over the time range, and the alerts still open by site and severity, with every alert event as an annotation.',
  tags: ['fleet'],
  flavours: ['influxdb', 'prometheus'],
  annotations: ALERT_ANNOTATIONS,
  panels: [
    {
      kind: 'bargauge',
      title: 'AC power now per site',
      description: 'Sum over the site’s inverters of each one’s latest 5-minute mean AC power (last 15 minutes).',
      unit: 'watt',
      min: 0,
      timeFrom: '15m',
      queries: [
        {
          labels: ['site'],
          instant: true,
          promql: 'sum by (site) (last_over_time(inverter_5m_ac_power_w_mean[15m]))',
          flux: pipe(fluxFrom(W5, ['ac_power_w_mean']), 'last()', 'group(columns: ["site"])', 'sum()'),
        },
      ],
    },
    {
      kind: 'bargauge',
      title: 'Energy today per site',
      description:
        'AC energy produced since midnight: the sum of every window’s energy delta (counter differences, resets excluded).',
      unit: 'watth',
      min: 0,
      timeFrom: 'now/d',
      queries: [
        {
          labels: ['site'],
          instant: true,
          promql: 'sum by (site) (sum_over_time(inverter_5m_energy_wh[$__range]))',
          flux: pipe(fluxFrom(W5, ['energy_wh']), 'group(columns: ["site"])', 'sum()'),
        },
      ],
    },
    {
      kind: 'timeseries',
      title: 'Availability per site',
      description:
        'Share of expected readings that arrived, averaged over the site’s inverters per window (1 = every reading).',
      unit: 'percentunit',
      min: 0,
      max: 1,
      size: [16, 8],
      queries: [
        {
          labels: ['site'],
          promql: 'avg by (site) (avg_over_time(inverter_5m_availability[$__rate_interval]))',
          flux: pipe(
            fluxFrom(W5, ['availability']),
            'group(columns: ["site"])',
            'aggregateWindow(every: v.windowPeriod, fn: mean, createEmpty: false)',
          ),
        },
      ],
    },
    {
      kind: 'table',
      title: 'Open alerts',
      description: 'Alerts whose latest event is not a resolution (last 30 days), counted by site and severity.',
      unit: 'short',
      size: [8, 8],
      timeFrom: '30d',
      queries: [
        {
          labels: ['site', 'severity'],
          instant: true,
          promql: openAlertsPromql(['site', 'severity']),
          flux: openAlertsFlux(['site', 'severity']),
        },
      ],
    },
  ],
};
