import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { platformPorts } from '@ysh/cli/platform';
import { loadCommonConfig } from '@ysh/common';
import { hasTool, waitFor } from '@ysh/test-helpers';
import { sharedPlatform } from '@ysh/test-helpers/shared-platform.ts';
import mqtt from 'mqtt';
import { beforeAll, describe, expect, it } from 'vitest';
import { GRAFANA_DIR, PACKAGE_DIR, scrapeConfigYaml } from './index.ts';

/**
 * Every PromQL query of the Prometheus-flavour dashboards, run against Debian's
 * VictoriaMetrics holding what a real `ysh start` (the suite's shared platform) wrote: the processor's
 * line protocol through /api/v2/write and the components' /metrics scraped by
 * VictoriaMetrics itself (-promscrape.config).
 */

interface Target {
  expr: string;
  legendFormat?: string;
  instant?: boolean;
  interval?: string;
}
interface Board {
  uid: string;
  panels: Array<{ title: string; targets: Target[] }>;
  templating?: { list?: Array<{ name: string; query: { query: string } }> };
  annotations?: { list?: Array<{ expr?: string }> };
}
interface Series {
  metric: Record<string, string>;
}

const boards: Board[] = readdirSync(join(PACKAGE_DIR, GRAFANA_DIR, 'dashboards', 'prometheus')).map(
  (f) => JSON.parse(readFileSync(join(PACKAGE_DIR, GRAFANA_DIR, 'dashboards', 'prometheus', f), 'utf8')) as Board,
);

/** Labels a target's legend shows (`{{site}}`): every series must have them. */
const labelsOf = (t: Target) => [...(t.legendFormat ?? '').matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1] as string);

/**
 * The admin API lands in its own branch: its latency panel is checked once `ysh start` runs
 * `ysh api` (its port block then has an `api` port whose /metrics is scraped too).
 */
const API_METRIC = 'ysh_api_request_duration_seconds';
const apiPresent = 'api' in platformPorts(loadCommonConfig({})).ports;

const RANGE_S = 15 * 60;

function substitute(expr: string, vars: Record<string, string>): string {
  let s = expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__interval', '1m')
    .replaceAll('$__range', `${RANGE_S}s`);
  for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`$${k}`, v).replaceAll(`\${${k}}`, v);
  return s;
}

describe.skipIf(!hasTool('victoria-metrics'))(
  'PromQL dashboards against VictoriaMetrics fed by a real ysh start',
  () => {
    let vm: { url: string; flush(): Promise<void> };

    async function api(path: string, params: Record<string, string>): Promise<Series[]> {
      const res = await fetch(`${vm.url}${path}`, { method: 'POST', body: new URLSearchParams(params) });
      const body = (await res.json()) as { status: string; data: { result?: Series[] } | string[]; error?: string };
      if (body.status !== 'success') throw new Error(`${path} ${JSON.stringify(params)}: ${body.error}`);
      return Array.isArray(body.data) ? body.data.map((v) => ({ metric: { value: v } })) : (body.data.result ?? []);
    }
    const now = () => Math.floor(Date.now() / 1000);
    /** How Grafana runs a target: an instant query at the end of the range, or a range query. */
    const run = (t: Target, vars: Record<string, string>) => {
      const query = substitute(t.expr, vars);
      if (t.instant) return api('/api/v1/query', { query, time: String(now()) });
      const step = t.interval === '1d' ? 86_400 : 15;
      return api('/api/v1/query_range', {
        query,
        start: String(now() - RANGE_S),
        end: String(now()),
        step: String(step),
      });
    };
    /** `label_values(selector, label)` as Grafana's Prometheus datasource resolves it. */
    async function variableValues(query: string, vars: Record<string, string>): Promise<string[]> {
      const m = /^label_values\((.+),\s*(\w+)\)$/.exec(substitute(query, vars));
      if (!m) throw new Error(`unsupported variable query ${query}`);
      const values = await api(`/api/v1/label/${m[2]}/values`, {
        'match[]': m[1] as string,
        start: String(now() - RANGE_S),
      });
      return values.map((v) => v.metric.value as string).sort();
    }

    beforeAll(async () => {
      // The shared platform: its processor writes to VictoriaMetrics, which scrapes what is written here.
      const platform = await sharedPlatform();
      const shared = platform.victoriaMetrics;
      if (!shared) throw new Error('the shared platform runs without VictoriaMetrics although it is installed');
      vm = { url: shared.url, flush: async () => void (await fetch(`${shared.url}/internal/force_flush`)) };
      const { ports } = platformPorts(loadCommonConfig({}), platform.base);
      const local = (p: number) => `127.0.0.1:${p}`;
      const scrapedSince = Date.now();
      await writeFile(
        shared.scrapeConfig,
        scrapeConfigYaml(
          [
            { job: 'gateway', targets: [local(ports.gateway)] },
            { job: 'processor', targets: [local(ports.processor)] },
            { job: 'jobs', targets: [local(ports.jobs)] },
            { job: 'edge', targets: [0, 1, 2].map((k) => local(ports.edge + k)) },
            ...(apiPresent ? [{ job: 'api', targets: [local((ports as unknown as { api: number }).api)] }] : []),
          ],
          '2s',
        ),
      );
      // Something for the dead-letter panels: a batch with one invalid reading over HTTP, a payload that is no batch over MQTT.
      const tokens = JSON.parse(readFileSync(join(platform.dataDir, 'platform', 'tokens.json'), 'utf8')) as Record<
        string,
        string
      >;
      const [site, token] = Object.entries(tokens)[0] as [string, string];
      const res = await fetch(`http://${local(ports.gateway)}/v1/telemetry`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          v: 1,
          batchId: crypto.randomUUID(),
          site,
          readings: [
            { v: 1, site, device: 'inv-dlq', ts: new Date().toISOString(), seq: 1, metrics: { ac_power_w: 'lots' } },
          ],
        }),
      });
      expect((await res.json()) as { rejected: unknown[] }).toMatchObject({ rejected: [expect.anything()] });
      // A grid fault that lasts: an alert still open when the panels are queried (the demo's own faults end).
      const fault = await fetch(`http://${local(ports.simControl)}/devices/inv-0005/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'grid-fault', kind: 'undervoltage' }),
      });
      expect(fault.status).toBe(201);
      const client = await mqtt.connectAsync(`mqtt://${local(ports.cloudMqtt)}`, { username: site, password: token });
      await client.publishAsync(`ysh/${site}/telemetry`, 'not a batch', { qos: 1 });
      await client.endAsync();

      // Data enough for every panel: windows of every site, an alert raised and one resolved, scraped metrics of each component.
      await waitFor(
        'windows, alerts and scraped metrics in VictoriaMetrics',
        async () => {
          await vm.flush();
          const [sites, open, opened, resolved, lag, runs, fresh, refused] = await Promise.all([
            api('/api/v1/query', { query: 'count by (site) (last_over_time(inverter_5m_energy_wh[15m]))' }),
            api('/api/v1/query', {
              query: 'last_over_time(inverter_alerts_open{device="inv-0005",event="opened"}[15m])',
            }),
            api('/api/v1/query', { query: 'last_over_time(inverter_alerts_open{event="opened"}[15m])' }),
            api('/api/v1/query', { query: 'last_over_time(inverter_alerts_open{event="resolved"}[15m])' }),
            api('/api/v1/query', { query: 'ysh_processor_consumer_lag' }),
            api('/api/v1/query', { query: 'ysh_jobs_runs' }),
            api('/api/v1/query', { query: 'ysh_jobs_freshness_lag_seconds' }),
            api('/api/v1/query', { query: 'rate(ysh_gateway_payloads_refused_total[1m])' }),
          ]);
          return (
            // A range query's rate() at 15 s steps needs scraped samples over a whole rate interval (1m)
            // before the last aligned step: the platform may have had everything else long before.
            Date.now() - scrapedSince > 80_000 &&
            sites.length === 3 &&
            open.length > 0 &&
            opened.length > 0 &&
            resolved.length > 0 &&
            lag.length > 0 &&
            runs.length > 0 &&
            fresh.length > 0 &&
            refused.length > 0
          );
        },
        { timeoutMs: 420_000, intervalMs: 5000 },
      );
    }, 1_200_000);

    for (const board of boards) {
      it(`${board.uid}: template variables resolve and every panel's queries return series with the labels it shows`, async () => {
        const variables = board.templating?.list ?? [];
        // Every combination of variable values, in order; the dashboard must show data for at least one and
        // the first values Grafana would pick must resolve.
        let combos: Array<Record<string, string>> = [{}];
        for (const v of variables) {
          const next: Array<Record<string, string>> = [];
          for (const c of combos)
            for (const value of await variableValues(v.query.query, c)) next.push({ ...c, [v.name]: value });
          expect(next.length, `variable ${v.name} has no values`).toBeGreaterThan(0);
          combos = next;
        }
        let best: { vars: Record<string, string>; empty: string[] } | undefined;
        for (const vars of combos) {
          const empty: string[] = [];
          for (const p of board.panels) {
            for (const t of p.targets) {
              if (!apiPresent && t.expr.includes(API_METRIC)) continue;
              const series = await run(t, vars);
              const labels = labelsOf(t);
              const shown = series.filter((s) => labels.every((l) => s.metric[l] !== undefined && s.metric[l] !== ''));
              if (shown.length === 0) empty.push(`${p.title}: ${t.expr}`);
            }
          }
          if (!best || empty.length < best.empty.length) best = { vars, empty };
          if (empty.length === 0) break;
        }
        expect(best?.empty, `no data with ${JSON.stringify(best?.vars)}`).toEqual([]);
        for (const a of board.annotations?.list ?? []) {
          if (a.expr) expect((await run({ expr: a.expr }, {})).length, `${board.uid} annotations`).toBeGreaterThan(0);
        }
      }, 120_000);
    }

    // Skipped (visibly) until the admin API is in this checkout; the board test above then checks its panel too.
    it.skipIf(!apiPresent)(`admin API latency: ${API_METRIC} is scraped from ysh api`, async () => {
      expect((await api('/api/v1/query', { query: `${API_METRIC}_count` })).length).toBeGreaterThan(0);
    });
  },
);
