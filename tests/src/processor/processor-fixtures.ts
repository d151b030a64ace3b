import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Reading } from '@ysh/common';
import { Kafka, logLevel } from 'kafkajs';
import type pg from 'pg';
import { loadProcessorConfig, ProcessorEngine, resolveRules, type ProcessorConfig } from '@ysh/stream-processor';
import { DEFAULT_WINDOW_OPTIONS } from '@ysh/stream-processor';

/** Processor options for tests: fast checkpoints, a short idle timeout, temp data dir. */
export async function testProcessorConfig(env: NodeJS.ProcessEnv = {}): Promise<ProcessorConfig> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ysh-proc-'));
  return loadProcessorConfig({
    YSH_DATA_DIR: dataDir,
    YSH_LOG_LEVEL: 'error',
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

/** What the sink must hold at the end: the last result per (device, window), all windows closed. */
export function expectedResults(
  readings: Reading[],
): Map<string, { samples: number; energyWh: number | null; mean: number | null }> {
  const engine = new ProcessorEngine({
    windows: DEFAULT_WINDOW_OPTIONS,
    rules: resolveRules(),
    expectedIntervalMs: 10_000,
  });
  for (const r of readings) engine.ingest(r, Date.parse(r.ts), 0);
  engine.tick(Number.MAX_SAFE_INTEGER);
  const out = new Map<string, { samples: number; energyWh: number | null; mean: number | null }>();
  for (const { result } of engine.drain().results) {
    out.set(`${result.device}@${result.windowStart}`, {
      samples: result.samples,
      energyWh: result.energyWh,
      mean: result.stats.ac_power_w?.mean ?? null,
    });
  }
  return out;
}

export async function storedResults(
  pool: pg.Pool,
): Promise<Map<string, { samples: number; energyWh: number | null; mean: number | null }>> {
  const { rows } = await pool.query<{
    device: string;
    ws: string;
    samples: number;
    energy_wh: number | null;
    ac_power_w_mean: number | null;
  }>(
    `SELECT device, (extract(epoch FROM window_start) * 1000)::bigint AS ws, samples, energy_wh, ac_power_w_mean
     FROM window_results ORDER BY device, window_start`,
  );
  return new Map(
    rows.map((r) => [
      `${r.device}@${Number(r.ws)}`,
      { samples: r.samples, energyWh: r.energy_wh, mean: r.ac_power_w_mean },
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

/** Approximate equality of two result maps (floating sums may differ in the last bits). */
export function sameResults(
  a: Map<string, { samples: number; energyWh: number | null; mean: number | null }>,
  b: Map<string, { samples: number; energyWh: number | null; mean: number | null }>,
): string[] {
  const diffs: string[] = [];
  for (const [k, v] of a) {
    const w = b.get(k);
    if (!w) diffs.push(`${k}: missing`);
    else if (
      w.samples !== v.samples ||
      Math.abs((w.energyWh ?? 0) - (v.energyWh ?? 0)) > 1e-6 ||
      Math.abs((w.mean ?? 0) - (v.mean ?? 0)) > 1e-6
    )
      diffs.push(`${k}: ${JSON.stringify(w)} != ${JSON.stringify(v)}`);
  }
  for (const k of b.keys()) if (!a.has(k)) diffs.push(`${k}: unexpected`);
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
