import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { datasourceRef, type Flavour } from './datasources.ts';
import { panel, type PanelKind, type PanelSpec } from './panels.ts';
import { FluxQueryBuilder } from './query.ts';

/** A template variable; each flavour's query lists the values (label_values / schema.tagValues). */
export interface VariableSpec {
  name: string;
  label: string;
  promql: string;
  flux: string;
}

/** Alert annotations: one marker per alert event. */
export interface AnnotationSpec {
  name: string;
  promql: string;
  flux: string;
  /** Labels shown as the annotation's tags. */
  tags: readonly string[];
}

export interface BoardSpec {
  /** Base uid; each flavour appends its suffix. */
  uid: string;
  title: string;
  /** What the dashboard is for (also its README description). */
  description: string;
  tags: readonly string[];
  /** Flavours this dashboard exists in (platform health lives where /metrics are scraped). */
  flavours: readonly Flavour[];
  variables?: readonly VariableSpec[];
  annotations?: AnnotationSpec;
  /** Default time range, e.g. now-24h. */
  from?: string;
  panels: ReadonlyArray<PanelSpec & { kind: PanelKind }>;
}

export const UID_SUFFIX: Readonly<Record<Flavour, string>> = Object.freeze({ influxdb: 'influx', prometheus: 'prom' });

export function boardUid(spec: BoardSpec, flavour: Flavour): string {
  return `${spec.uid}-${UID_SUFFIX[flavour]}`;
}

/** The Grafana dashboard model of a board in one flavour (panels laid out left to right on the 24-column grid). */
export function buildBoard(spec: BoardSpec, flavour: Flavour): dashboard.Dashboard {
  const flavourName = flavour === 'influxdb' ? 'InfluxDB' : 'VictoriaMetrics';
  const b = new dashboard.DashboardBuilder(`${spec.title} (${flavourName})`)
    .uid(boardUid(spec, flavour))
    .description(spec.description)
    .tags(['ysh', flavour, ...spec.tags])
    .editable()
    .refresh('1m')
    .time({ from: spec.from ?? 'now-24h', to: 'now' })
    .timezone('browser');
  for (const v of spec.variables ?? []) {
    b.withVariable(
      new dashboard.QueryVariableBuilder(v.name)
        .label(v.label)
        .datasource(datasourceRef(flavour))
        .query(
          flavour === 'influxdb'
            ? v.flux
            : { query: v.promql, refId: 'PrometheusVariableQueryEditor-VariableQuery', qryType: 1 },
        )
        .definition(flavour === 'influxdb' ? v.flux : v.promql)
        .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
        .sort(dashboard.VariableSort.AlphabeticalAsc),
    );
  }
  if (spec.annotations) {
    const a = spec.annotations;
    const q = new dashboard.AnnotationQueryBuilder()
      .name(a.name)
      .datasource(datasourceRef(flavour))
      .enable(true)
      .iconColor('red');
    if (flavour === 'influxdb') q.target(new FluxQueryBuilder(a.flux, 'Anno'));
    else
      q.expr(a.promql)
        .titleFormat(a.tags.map((t) => `{{${t}}}`).join(' '))
        .tagKeys(a.tags.join(','))
        .step('1m');
    b.annotation(q);
  }
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  let id = 1;
  for (const p of spec.panels) {
    const [w, h] = p.size ?? [12, 8];
    if (x + w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const built = panel(p.kind, p, flavour) as unknown as {
      gridPos(g: dashboard.GridPos): unknown;
      id(n: number): unknown;
    };
    built.gridPos({ x, y, w, h });
    built.id(id++);
    b.withPanel(built as never);
    x += w;
    rowHeight = Math.max(rowHeight, h);
  }
  return b.build();
}
