import { MEASUREMENTS } from '@ysh/common';
import type { BoardSpec } from '../board.ts';
import { fluxFrom, pipe } from '../query.ts';
import { ALERT_ANNOTATIONS, openAlertsFlux, openAlertsPromql } from './alert-queries.ts';

const AL = MEASUREMENTS.alerts;

export const alerts: BoardSpec = {
  uid: 'ysh-alerts',
  title: 'Alerts',
  description:
    'The alert lifecycle across the fleet: alerts raised per rule and severity over time, alerts open now, and the mean time to resolve per rule.',
  tags: ['alerts'],
  flavours: ['influxdb', 'prometheus'],
  annotations: ALERT_ANNOTATIONS,
  from: 'now-7d',
  panels: [
    {
      kind: 'bars',
      title: 'Alerts opened by rule and severity',
      description: 'Alerts opened per rule and severity in each interval.',
      unit: 'short',
      size: [24, 9],
      queries: [
        {
          labels: ['rule', 'severity'],
          promql: 'sum by (rule, severity) (count_over_time(inverter_alerts_open{event="opened"}[$__interval]))',
          flux: pipe(
            fluxFrom(AL, ['open'], { event: 'opened' }),
            'group(columns: ["rule", "severity"])',
            'aggregateWindow(every: v.windowPeriod, fn: count, createEmpty: false)',
          ),
        },
      ],
    },
    {
      kind: 'table',
      title: 'Open alerts by rule',
      description: 'Alerts whose latest event is not a resolution (last 30 days), by rule and severity.',
      unit: 'short',
      timeFrom: '30d',
      queries: [
        {
          labels: ['rule', 'severity'],
          instant: true,
          promql: openAlertsPromql(['rule', 'severity']),
          flux: openAlertsFlux(['rule', 'severity']),
        },
      ],
    },
    {
      kind: 'bargauge',
      title: 'Mean time to resolve by rule',
      description:
        'From an alert’s start (since) to its resolution, averaged per rule over the resolutions in the time range (the PromQL flavour takes the latest resolution per inverter and rule).',
      unit: 's',
      min: 0,
      queries: [
        {
          labels: ['rule'],
          instant: true,
          promql:
            'avg by (rule) (tlast_over_time(inverter_alerts_since_ms{event="resolved"}[$__range]) - last_over_time(inverter_alerts_since_ms{event="resolved"}[$__range]) / 1000)',
          flux: pipe(
            fluxFrom(AL, ['since_ms'], { event: 'resolved' }),
            'map(fn: (r) => ({r with _value: float(v: uint(v: r._time) / uint(v: 1000000) - uint(v: r._value)) / 1000.0}))',
            'group(columns: ["rule"])',
            'mean()',
          ),
        },
      ],
    },
  ],
};
