import * as common from '@grafana/grafana-foundation-sdk/common';
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as statetimeline from '@grafana/grafana-foundation-sdk/statetimeline';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import { datasourceRef, type Flavour } from './datasources.ts';
import { targets, type QuerySpec } from './query.ts';

/** What every panel states, whatever its kind: a title, what it shows, a unit and its queries. */
export interface PanelSpec {
  title: string;
  description: string;
  /** Grafana unit id (watt, watth, percentunit, s, reqps, short, none…). */
  unit: string;
  queries: readonly QuerySpec[];
  /** Size on the 24-column grid (width, height). */
  size?: [number, number];
  /** Relative time of this panel alone (e.g. "now/d" for today so far). */
  timeFrom?: string;
  min?: number;
  max?: number;
}

type AnyPanel = cog.Builder<dashboard.Panel>;

interface CommonBuilder<T> {
  title(t: string): T;
  description(d: string): T;
  unit(u: string): T;
  datasource(d: { type: string; uid: string }): T;
  withTarget(t: cog.Builder<cog.Dataquery>): T;
  timeFrom(t: string): T;
  min(n: number): T;
  max(n: number): T;
}

function apply<T extends CommonBuilder<T>>(b: T, spec: PanelSpec, flavour: Flavour): T {
  b.title(spec.title).description(spec.description).unit(spec.unit).datasource(datasourceRef(flavour));
  for (const t of targets(flavour, spec.queries)) b.withTarget(t);
  if (spec.timeFrom) b.timeFrom(spec.timeFrom);
  if (spec.min !== undefined) b.min(spec.min);
  if (spec.max !== undefined) b.max(spec.max);
  return b;
}

const legend = () =>
  new common.VizLegendOptionsBuilder()
    .showLegend(true)
    .displayMode(common.LegendDisplayMode.List)
    .placement(common.LegendPlacement.Bottom);

const lastValue = () => new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false);

export type PanelKind = 'timeseries' | 'bars' | 'stat' | 'bargauge' | 'table' | 'states';

/** SunSpec operating states (model 101/103 `St`) as Grafana value mappings. */
export const OPERATING_STATES: Readonly<Record<number, { text: string; color: string }>> = Object.freeze({
  1: { text: 'Off', color: 'text' },
  2: { text: 'Sleeping', color: 'blue' },
  3: { text: 'Starting', color: 'yellow' },
  4: { text: 'MPPT', color: 'green' },
  5: { text: 'Throttled', color: 'orange' },
  6: { text: 'Shutting down', color: 'yellow' },
  7: { text: 'Fault', color: 'red' },
  8: { text: 'Standby', color: 'purple' },
});

function stateMappings(): dashboard.ValueMapping[] {
  const options: Record<string, { text: string; color: string; index: number }> = {};
  for (const [k, v] of Object.entries(OPERATING_STATES)) options[k] = { ...v, index: Number(k) };
  return [{ type: 'value', options } as dashboard.ValueMapping];
}

/** A Grafana panel of the given kind in one flavour. */
export function panel(kind: PanelKind, spec: PanelSpec, flavour: Flavour): AnyPanel {
  switch (kind) {
    case 'timeseries':
      return apply(new timeseries.PanelBuilder(), spec, flavour).legend(legend()).fillOpacity(10);
    case 'bars':
      return apply(new timeseries.PanelBuilder(), spec, flavour)
        .legend(legend())
        .drawStyle(common.GraphDrawStyle.Bars)
        .fillOpacity(80);
    case 'stat':
      return apply(new stat.PanelBuilder(), spec, flavour).reduceOptions(lastValue());
    case 'bargauge':
      return apply(new bargauge.PanelBuilder(), spec, flavour)
        .reduceOptions(lastValue())
        .orientation(common.VizOrientation.Horizontal);
    case 'table':
      return apply(new table.PanelBuilder(), spec, flavour);
    case 'states':
      return apply(new statetimeline.PanelBuilder(), spec, flavour).mappings(stateMappings()).legend(legend());
  }
}
