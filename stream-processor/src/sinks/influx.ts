import { escape as lineEscape, InfluxDB, Point, setLogger, type WriteApi } from '@influxdata/influxdb-client';
import type { Logger } from 'pino';
import { MEASUREMENTS, METRIC_NAMES, MPPT_METRIC_PATTERN, type Alert, type Reading } from '@ysh/common';
import { STAT_FIELDS, type StatField, type WindowResult } from '../aggregates/window-aggregate.ts';
import type { StatSummary } from '../aggregates/running-stat.ts';
import type { AlertChannel } from '../alerts/outbox.ts';

export interface InfluxOptions {
  url: string;
  token: string;
  org: string;
  bucket: string;
  /** Also write every reading to `inverter_raw`. */
  writeRaw?: boolean;
  timeoutMs?: number;
  /**
   * Gzip write bodies over 1 kB (the client's threshold). Off by default: InfluxDB sits in the same stack or
   * LAN, where compressing each checkpoint's lines costs the processor CPU (about 15 ms per 650 kB of window
   * lines) and saves bandwidth nobody is short of; turn it on for InfluxDB across a WAN (InfluxDB Cloud).
   */
  gzip?: boolean;
  /** Where the client's own messages go (it prints to the console otherwise). */
  logger?: Logger;
}

/** What one measurement holds: its tags, its fields by name, and fields named by a pattern (per-MPPT inputs). */
export interface MeasurementSchema {
  readonly tags: readonly string[];
  readonly fields: readonly string[];
  readonly fieldPatterns: readonly RegExp[];
}

/**
 * The measurements, tags and fields this writer produces; dashboards check
 * their Flux queries against it, and influx.test.ts holds it equal to what
 * `windowLine`, `windowPoint`, `rawPoint` and `alertPoint` write.
 */
export const INFLUX_SCHEMA: Readonly<Record<string, MeasurementSchema>> = Object.freeze({
  [MEASUREMENTS.window5m]: {
    tags: ['site', 'device'],
    fields: [
      'samples',
      'expected',
      'availability',
      'revision',
      'fault_samples',
      'energy_wh',
      'counter_resets',
      ...STAT_FIELDS.flatMap((f) => ['mean', 'min', 'max', 'stddev'].map((s) => `${f}_${s}`)),
    ],
    fieldPatterns: [/^mppt([1-9]|1[0-6])_dc_power_w_mean$/],
  },
  [MEASUREMENTS.raw]: {
    tags: ['site', 'device'],
    fields: ['seq', ...METRIC_NAMES],
    fieldPatterns: [new RegExp(MPPT_METRIC_PATTERN)],
  },
  [MEASUREMENTS.alerts]: {
    tags: ['site', 'device', 'rule', 'severity', 'event'],
    fields: ['id', 'message', 'open', 'since_ms', 'value'],
    fieldPatterns: [],
  },
});

/** `inverter_5m` point of a window result: same tags and timestamp for every revision, so a correction replaces it. */
export function windowPoint(r: WindowResult): Point {
  const p = new Point(MEASUREMENTS.window5m)
    .tag('site', r.site)
    .tag('device', r.device)
    .intField('samples', r.samples)
    .intField('expected', r.expected)
    .floatField('availability', r.availability)
    .intField('revision', r.revision)
    .intField('fault_samples', r.faultSamples)
    .timestamp(new Date(r.windowStart));
  if (r.energyWh !== null) p.floatField('energy_wh', r.energyWh);
  if (r.counterResets > 0) p.intField('counter_resets', r.counterResets);
  for (const f of STAT_FIELDS) {
    const s = r.stats[f];
    if (!s) continue;
    p.floatField(`${f}_mean`, s.mean).floatField(`${f}_min`, s.min).floatField(`${f}_max`, s.max);
    p.floatField(`${f}_stddev`, s.stddev);
  }
  for (const [i, w] of Object.entries(r.mpptPower)) p.floatField(`mppt${i}_dc_power_w_mean`, w);
  return p;
}

/** One statistic's four fields in key order, with a leading comma; '' when the window has no sample of it. */
function statFields(field: StatField, s: StatSummary | null): string {
  return s ? `,${field}_max=${s.max},${field}_mean=${s.mean},${field}_min=${s.min},${field}_stddev=${s.stddev}` : '';
}

/**
 * The same point as `windowPoint`, as line protocol built directly (the hot
 * path writes thousands per checkpoint): fields written in the key order the
 * client sorts them into, so nothing is sorted per line. A unit test holds it
 * equal to the client's own serialization.
 */
export function windowLine(r: WindowResult): string {
  const { stats } = r;
  let mppt = '';
  const inputs = Object.keys(r.mpptPower);
  // Sorted as text, as the client sorts keys: mppt10 before mppt2.
  if (inputs.length > 1) inputs.sort((a, b) => (`${a}_` < `${b}_` ? -1 : 1));
  for (const i of inputs) mppt += `,mppt${i}_dc_power_w_mean=${r.mpptPower[i]}`;
  const fields =
    statFields('ac_power_w', stats.ac_power_w) +
    statFields('ac_voltage_v', stats.ac_voltage_v) +
    `,availability=${r.availability}` +
    (r.counterResets > 0 ? `,counter_resets=${r.counterResets}i` : '') +
    statFields('dc_power_w', stats.dc_power_w) +
    statFields('dc_voltage_v', stats.dc_voltage_v) +
    (r.energyWh !== null ? `,energy_wh=${r.energyWh}` : '') +
    `,expected=${r.expected}i,fault_samples=${r.faultSamples}i${mppt},revision=${r.revision}i,samples=${r.samples}i` +
    statFields('temperature_c', stats.temperature_c);
  return `${MEASUREMENTS.window5m},device=${lineEscape.tag(r.device)},site=${lineEscape.tag(r.site)} ${fields.slice(1)} ${r.windowStart}`;
}

export function rawPoint(r: Reading): Point {
  const p = new Point(MEASUREMENTS.raw).tag('site', r.site).tag('device', r.device).timestamp(new Date(r.ts));
  p.intField('seq', r.seq);
  for (const [k, v] of Object.entries(r.metrics)) {
    if (typeof v !== 'number') continue;
    if (k === 'operating_state' || k === 'events' || k === 'ac_energy_wh') p.intField(k, Math.trunc(v));
    else p.floatField(k, v);
  }
  return p;
}

/** `inverter_alerts` point (Grafana annotations): one per lifecycle event, the event a tag so none overwrites another. */
export function alertPoint(a: Alert): Point {
  const p = new Point(MEASUREMENTS.alerts)
    .tag('site', a.site)
    .tag('device', a.device ?? '')
    .tag('rule', a.rule)
    .tag('severity', a.severity)
    .tag('event', a.event)
    .stringField('id', a.id)
    .stringField('message', a.message)
    .intField('open', a.event === 'resolved' ? 0 : 1)
    .intField('since_ms', Date.parse(a.since))
    .timestamp(new Date(a.at));
  if (a.value !== undefined) p.floatField('value', a.value);
  return p;
}

/**
 * InfluxDB 2 write API through @influxdata/influxdb-client. Writes are
 * flushed explicitly and not retried by the client: the processor retries the
 * whole batch and commits offsets only after the flush succeeded.
 */
export class InfluxSink {
  private readonly api: WriteApi;

  constructor(readonly options: InfluxOptions) {
    // The client logs through one global logger; failures reach the caller as rejected flushes anyway.
    const log = options.logger;
    setLogger({
      error: (message, err) => log?.debug({ err }, `influx: ${message}`),
      warn: (message, err) => log?.debug({ err }, `influx: ${message}`),
    });
    const influx = new InfluxDB({ url: options.url, token: options.token, timeout: options.timeoutMs ?? 10_000 });
    this.api = influx.getWriteApi(options.org, options.bucket, 'ms', {
      maxRetries: 0,
      batchSize: 50_000,
      flushInterval: 0,
      maxBufferLines: 1_000_000,
      // The client gzips bodies over its default threshold unless told otherwise; undefined: never.
      gzipThreshold: options.gzip ? 1000 : undefined,
    });
  }

  async write(results: WindowResult[], readings: Reading[] = []): Promise<void> {
    if (results.length === 0 && (!this.options.writeRaw || readings.length === 0)) return;
    this.api.writeRecords(results.map(windowLine));
    if (this.options.writeRaw) this.api.writePoints(readings.map(rawPoint));
    await this.api.flush();
  }

  alertChannel(): AlertChannel {
    return {
      name: 'influx',
      deliver: async (alert) => {
        this.api.writePoint(alertPoint(alert));
        await this.api.flush();
      },
    };
  }

  async close(): Promise<void> {
    await this.api.close().catch(() => {});
  }
}
