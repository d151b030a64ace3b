import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GRAFANA_DIR, PACKAGE_DIR } from '@ysh/dashboards';
import { INFLUX_SCHEMA, type MeasurementSchema } from '@ysh/stream-processor';
import { describe, expect, it } from 'vitest';
import { fluxRefs, interpolate, isValidFlux } from './flux-refs.ts';

/**
 * The InfluxDB-flavour dashboards against the stream processor's InfluxDB
 * writer: every Flux query names only what the writer's own INFLUX_SCHEMA
 * declares (held equal to what it writes by stream-processor's influx.test.ts),
 * and parses and type-checks with InfluxData's Flux parser and checker.
 */

interface Target {
  query?: string;
}
interface DashboardJson {
  uid: string;
  panels: Array<{ title: string; targets?: Target[] }>;
  templating?: { list?: Array<{ name: string; query: string }> };
  annotations?: { list?: Array<{ target?: Target }> };
}

const dir = join(PACKAGE_DIR, GRAFANA_DIR, 'dashboards', 'influxdb');
const committed = (): DashboardJson[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as DashboardJson);

/** Every Flux query of the InfluxDB flavour: panel targets, template variables, annotations. */
const fluxQueries = committed().flatMap((board) => [
  ...board.panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ where: `${board.uid} / ${p.title}`, flux: t.query as string })),
  ),
  ...(board.templating?.list ?? []).map((v) => ({ where: `${board.uid} / $${v.name}`, flux: v.query as string })),
  ...(board.annotations?.list ?? []).map((a) => ({
    where: `${board.uid} / annotations`,
    flux: a.target?.query as string,
  })),
]);

const BUILTIN = ['_time', '_value', '_field', '_measurement', '_start', '_stop'];

/** Problems of one query against the processor writer's own schema (INFLUX_SCHEMA). */
function schemaProblems(flux: string): string[] {
  const refs = fluxRefs(flux);
  const problems = refs.errors.map((e) => `syntax: ${e}`);
  if (refs.measurements.length === 0) problems.push('no measurement filter');
  for (const m of refs.measurements) {
    const schema = INFLUX_SCHEMA[m] as MeasurementSchema | undefined;
    if (!schema) {
      problems.push(`measurement ${m} is not written by the processor`);
      continue;
    }
    const isField = (f: string) => schema.fields.includes(f) || schema.fieldPatterns.some((p) => p.test(f));
    for (const f of refs.fields) if (!isField(f)) problems.push(`${m} has no field ${f}`);
    for (const re of refs.fieldRegexes) {
      // The regex must select written fields only, and at least one.
      const candidates = [...schema.fields, ...Array.from({ length: 16 }, (_, i) => `mppt${i + 1}_dc_power_w_mean`)];
      const hits = candidates.filter((c) => new RegExp(re).test(c));
      if (hits.length === 0 || !hits.every(isField))
        problems.push(`${m}: field regex /${re}/ matches no written field`);
    }
    for (const c of refs.columns) {
      if (!schema.tags.includes(c) && !isField(c) && !refs.defined.includes(c) && !BUILTIN.includes(c)) {
        problems.push(`${m} has no tag or field ${c}`);
      }
    }
  }
  return problems;
}

describe('Flux queries (InfluxDB flavour), checked with @influxdata/flux-lsp-node', () => {
  it('there are queries to check (panels, variables, annotations)', () => {
    expect(fluxQueries.length).toBeGreaterThan(20);
  });

  it.each(fluxQueries.map((q) => [q.where, q.flux] as const))(
    '%s: parses and type-checks, and names only what the processor writes',
    (_where, flux) => {
      expect(schemaProblems(flux)).toEqual([]);
      expect(isValidFlux(interpolate(flux, { site: 'site-a', device: 'inv-1' }))).toBe(true);
    },
  );

  it('the check catches an unknown field, a tag the writer does not set, and broken syntax', () => {
    const base =
      'from(bucket: "telemetry")\n  |> range(start: v.timeRangeStart)\n  |> filter(fn: (r) => r._measurement == "inverter_5m")';
    expect(schemaProblems(`${base}\n  |> filter(fn: (r) => r._field == "ac_power_mean")`)).toEqual([
      'inverter_5m has no field ac_power_mean',
    ]);
    expect(schemaProblems(`${base}\n  |> filter(fn: (r) => r.inverter == "x")`)).toEqual([
      'inverter_5m has no tag or field inverter',
    ]);
    expect(schemaProblems(base.replace('inverter_5m', 'inverter_1m'))).toEqual([
      'measurement inverter_1m is not written by the processor',
    ]);
    expect(isValidFlux(interpolate(`${base}\n  |> aggregateWindow(every: v.windowPeriod, fn: mean`, {}))).toBe(false);
    expect(isValidFlux(interpolate(`${base}\n  |> aggregateWindow(evry: v.windowPeriod, fn: mean)`, {}))).toBe(false);
  });
});
