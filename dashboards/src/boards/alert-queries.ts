import { MEASUREMENTS } from '@ysh/common';
import type { AnnotationSpec } from '../board.ts';
import { fluxFrom, pipe } from '../query.ts';

const AL = MEASUREMENTS.alerts;

/**
 * An incident is open while its latest event is not `resolved`. Events are
 * separate series (the event is a tag), so the PromQL compares, per site,
 * device and rule, the time of the latest non-resolved event with the latest
 * resolution (MetricsQL `tlast_over_time`: VictoriaMetrics).
 */
export function openAlertsPromql(by: readonly string[], selector = '', range = '30d'): string {
  const sel = (event: string) => `inverter_alerts_open{event${event}${selector ? `,${selector}` : ''}}`;
  const raised = `max by (site, device, rule, severity) (tlast_over_time(${sel('!="resolved"')}[${range}]))`;
  const resolved = `max by (site, device, rule) (tlast_over_time(${sel('="resolved"')}[${range}]))`;
  return `count by (${by.join(', ')}) ((${raised} > on (site, device, rule) group_left ${resolved}) or (${raised} unless on (site, device, rule) ${resolved}))`;
}

/** The same in Flux: the latest event per site, device and rule decides. */
export function openAlertsFlux(by: readonly string[], tags: Record<string, string> = {}): string {
  return pipe(
    fluxFrom(AL, ['open'], tags),
    'group(columns: ["site", "device", "rule"])',
    'sort(columns: ["_time"])',
    'last()',
    'filter(fn: (r) => r._value == 1)',
    `group(columns: [${by.map((b) => `"${b}"`).join(', ')}])`,
    'count()',
  );
}

export const ALERT_ANNOTATIONS: AnnotationSpec = {
  name: 'Alerts',
  tags: ['site', 'device', 'rule', 'severity', 'event'],
  promql: 'inverter_alerts_open',
  flux: pipe(
    fluxFrom(AL, ['message']),
    'keep(columns: ["_time", "_value", "site", "device", "rule", "severity", "event"])',
    'group()',
  ),
};
