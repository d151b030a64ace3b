import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import { PromQueryFormat, DataqueryBuilder as PromQueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { datasourceRef, INFLUX_BUCKET, type Flavour } from './datasources.ts';

/**
 * One query of a panel, written once for both flavours. `labels` are the
 * series labels (InfluxDB tags) the panel shows; the legend is built from them
 * and the PromQL check requires them on every series a query returns.
 */
export interface QuerySpec {
  promql: string;
  flux: string;
  labels: readonly string[];
  /** Legend text besides the labels (e.g. "p95"). */
  name?: string;
  /** One value per series (stats, tables) instead of a series over the dashboard's time range. */
  instant?: boolean;
  /** Smallest step of a range query (e.g. 1d for energy per day). */
  interval?: string;
}

/** Grafana's InfluxDB datasource in Flux mode: the query text is the whole target. */
export interface FluxDataquery extends cog.Dataquery {
  refId: string;
  query: string;
  datasource: { type: string; uid: string };
}

export class FluxQueryBuilder implements cog.Builder<cog.Dataquery> {
  private readonly internal: FluxDataquery;

  constructor(query: string, refId: string) {
    this.internal = {
      refId,
      query,
      datasource: datasourceRef('influxdb'),
      _implementsDataqueryVariant() {},
    };
  }

  build(): FluxDataquery {
    return this.internal;
  }
}

export function legendOf(q: QuerySpec): string {
  const parts = q.labels.map((l) => `{{${l}}}`);
  if (q.name) parts.push(q.name);
  return parts.join(' ') || '__auto';
}

const REF_IDS = 'ABCDEFGHIJ';

/** The Grafana targets of a panel's queries in one flavour. */
export function targets(flavour: Flavour, queries: readonly QuerySpec[]): cog.Builder<cog.Dataquery>[] {
  return queries.map((q, i) => {
    const refId = REF_IDS[i] ?? `Q${i}`;
    if (flavour === 'influxdb') return new FluxQueryBuilder(q.flux, refId);
    const b = new PromQueryBuilder()
      .refId(refId)
      .datasource(datasourceRef('prometheus'))
      .expr(q.promql)
      .legendFormat(legendOf(q));
    if (q.instant) b.instant().format(PromQueryFormat.Table);
    else b.range();
    if (q.interval) b.interval(q.interval);
    return b;
  });
}

/**
 * The head of a Flux query: one measurement of the processor's bucket over the
 * dashboard's time range, its fields, and tag filters (`{ site: '${site}' }`).
 */
export function fluxFrom(
  measurement: string,
  fields: readonly string[],
  tags: Record<string, string> = {},
  range = 'range(start: v.timeRangeStart, stop: v.timeRangeStop)',
): string {
  const lines = [`from(bucket: "${INFLUX_BUCKET}")`, `  |> ${range}`];
  lines.push(`  |> filter(fn: (r) => r._measurement == "${measurement}")`);
  if (fields.length > 0) lines.push(`  |> filter(fn: (r) => ${fields.map((f) => `r._field == "${f}"`).join(' or ')})`);
  for (const [tag, value] of Object.entries(tags)) lines.push(`  |> filter(fn: (r) => r.${tag} == "${value}")`);
  return lines.join('\n');
}

/** Appends Flux pipeline steps, one per line. */
export function pipe(head: string, ...steps: string[]): string {
  return [head, ...steps.map((s) => `  |> ${s}`)].join('\n');
}

/** A Grafana template variable reference inside a query (`${name}`). */
export function grafanaVar(name: string): string {
  return `\${${name}}`;
}
