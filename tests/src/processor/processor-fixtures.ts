import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Reading } from '@ysh/common';
import { Kafka, logLevel } from 'kafkajs';
import type pg from 'pg';
import { loadProcessorConfig, type ProcessorConfig } from '@ysh/stream-processor';
import { expectedWindows } from '../e2e/reference.ts';

/** Processor options for tests: fast checkpoints, a short idle timeout, temp data dir. */
export async function testProcessorConfig(env: NodeJS.ProcessEnv = {}): Promise<ProcessorConfig> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ysh-proc-'));
  return loadProcessorConfig({
    YSH_DATA_DIR: dataDir,
    YSH_LOG_LEVEL: 'error',
    YSH_PROCESSOR_WINDOW: WINDOW.env,
    YSH_PROCESSOR_EXPECTED_INTERVAL: EXPECTED_INTERVAL.env,
    // The reference counts a window's energy from its own readings only.
    YSH_PROCESSOR_ENERGY_ACROSS_BOUNDARIES: 'false',
    YSH_PROCESSOR_COMMIT_INTERVAL: '200ms',
    YSH_PROCESSOR_IDLE_TIMEOUT: '4s',
    YSH_PROCESSOR_SESSION_TIMEOUT: '10s',
    YSH_PROCESSOR_SITE_WAIT: '20s',
    YSH_PROCESSOR_CONSOLE_ALERTS: 'false',
    ...env,
  });
}

export async function produceReadings(
  brokers: string[],
  topic: string,
  readings: Reading[],
  partitions = 6,
): Promise<void> {
  const kafka = new Kafka({ clientId: 'test-producer', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true }).catch(() => false);
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (let i = 0; i < readings.length; i += 2000) {
    await producer.send({
      topic,
      acks: -1,
      messages: readings.slice(i, i + 2000).map((r) => ({ key: r.device, value: JSON.stringify(r) })),
    });
  }
  await producer.disconnect();
}

/** Window length and expected reading interval the fixtures' processors run with (set explicitly in their env). */
export const WINDOW = { env: '5m', ms: 5 * 60_000 } as const;
export const EXPECTED_INTERVAL = { env: '10s', ms: 10_000 } as const;

/** One (device, window) as stored, or as the independent reference says it must be stored. */
export interface WindowValues {
  samples: number;
  availability: number;
  energyWh: number | null;
  acPower: Stats | null;
  temperature: Stats | null;
}
type Stats = { mean: number; min: number; max: number; stddev: number };

/**
 * What the sink must hold at the end: one result per (device, window), all windows closed, computed by the
 * reference in tests/src/e2e/reference.ts (plain sums over each window's readings), never by the processor's
 * own aggregation code.
 */
export function expectedResults(readings: Reading[]): Map<string, WindowValues> {
  const out = new Map<string, WindowValues>();
  for (const [key, w] of expectedWindows(readings, WINDOW.ms, EXPECTED_INTERVAL.ms)) {
    out.set(key, {
      samples: w.samples,
      availability: w.availability,
      energyWh: w.energyWh,
      acPower: w.acPower,
      temperature: w.temperature,
    });
  }
  return out;
}

export async function storedResults(pool: pg.Pool): Promise<Map<string, WindowValues>> {
  const { rows } = await pool.query<{
    device: string;
    ws: string;
    samples: number;
    availability: number;
    energy_wh: number | null;
    ac_power_w_mean: number | null;
    ac_power_w_min: number | null;
    ac_power_w_max: number | null;
    ac_power_w_stddev: number | null;
    temperature_c_mean: number | null;
    temperature_c_min: number | null;
    temperature_c_max: number | null;
    temperature_c_stddev: number | null;
  }>(
    `SELECT device, (extract(epoch FROM window_start) * 1000)::bigint AS ws, samples, availability, energy_wh,
            ac_power_w_mean, ac_power_w_min, ac_power_w_max, ac_power_w_stddev,
            temperature_c_mean, temperature_c_min, temperature_c_max, temperature_c_stddev
     FROM window_results ORDER BY device, window_start`,
  );
  const stats = (mean: number | null, min: number | null, max: number | null, stddev: number | null) =>
    mean === null || min === null || max === null || stddev === null ? null : { mean, min, max, stddev };
  return new Map(
    rows.map((r) => [
      `${r.device}@${Number(r.ws)}`,
      {
        samples: r.samples,
        availability: r.availability,
        energyWh: r.energy_wh,
        acPower: stats(r.ac_power_w_mean, r.ac_power_w_min, r.ac_power_w_max, r.ac_power_w_stddev),
        temperature: stats(r.temperature_c_mean, r.temperature_c_min, r.temperature_c_max, r.temperature_c_stddev),
      },
    ]),
  );
}

/** Alerts as comparable lines: rule, target, since, state. */
export async function storedAlerts(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{
    id: string;
    rule: string;
    site: string;
    device: string | null;
    since: Date;
    state: string;
  }>('SELECT id, rule, site, device, since, state FROM alerts ORDER BY site, device, rule, since');
  return rows.map((r) => `${r.id} ${r.rule} ${r.site}/${r.device ?? '-'} ${r.since.toISOString()} ${r.state}`);
}

/** Sums in another order differ in the last bits; anything a real aggregation bug changes is far larger. */
const close = (a: number | null, b: number | null): boolean =>
  a === null || b === null ? a === b : Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

function sameStats(a: Stats | null, b: Stats | null): boolean {
  if (a === null || b === null) return a === b;
  // min and max are values of one reading: no arithmetic, so they must be equal bit for bit.
  return close(a.mean, b.mean) && a.min === b.min && a.max === b.max && close(a.stddev, b.stddev);
}

/** Differences between the expected and the stored results, one line each (empty when they agree). */
export function sameResults(expected: Map<string, WindowValues>, stored: Map<string, WindowValues>): string[] {
  const diffs: string[] = [];
  for (const [k, want] of expected) {
    const got = stored.get(k);
    if (!got) diffs.push(`${k}: missing`);
    else if (
      got.samples !== want.samples ||
      !close(got.availability, want.availability) ||
      !close(got.energyWh, want.energyWh) ||
      !sameStats(got.acPower, want.acPower) ||
      !sameStats(got.temperature, want.temperature)
    )
      diffs.push(`${k}: stored ${JSON.stringify(got)} != expected ${JSON.stringify(want)}`);
  }
  for (const k of stored.keys()) if (!expected.has(k)) diffs.push(`${k}: unexpected`);
  return diffs;
}

/** True once peer rules judged every site's last window and no notification waits. */
export async function settled(pool: pg.Pool): Promise<boolean> {
  const { rows } = await pool.query<{ pending: string; behind: string }>(
    `SELECT (SELECT count(*) FROM notification_outbox WHERE delivered_at IS NULL) AS pending,
            (SELECT count(*) FROM (SELECT site, max(window_start) AS last FROM window_results GROUP BY site) w
               LEFT JOIN processor_site_state s ON s.site = w.site
             WHERE s.last_window IS NULL OR s.last_window < w.last) AS behind`,
  );
  return Number(rows[0]?.pending) === 0 && Number(rows[0]?.behind) === 0;
}
