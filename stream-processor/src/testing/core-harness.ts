import type { Reading } from '@ysh/common';
import type pg from 'pg';
import { pino } from 'pino';
import type { ProcessorCore, CoreOptions } from '../processor-core.ts';
import { resolveRules, type RulesOverrides } from '../rules/config.ts';
import { DEFAULT_WINDOW_OPTIONS } from '../windows/window-manager.ts';

export const silent = pino({ level: 'silent' });

/** A partitioned in-memory "topic": the same readings always land at the same (partition, offset). */
export interface Topic {
  partitions: { offset: string; value: string }[][];
}

export function partitionOf(device: string, count: number): number {
  let h = 0;
  for (const ch of device) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h % count;
}

export function toTopic(readings: Reading[], count: number): Topic {
  const partitions: Topic['partitions'] = Array.from({ length: count }, () => []);
  for (const r of readings) {
    const list = partitions[partitionOf(r.device, count)] as Topic['partitions'][number];
    list.push({ offset: String(list.length), value: JSON.stringify(r) });
  }
  return { partitions };
}

export function coreOptions(
  instanceId: string,
  overrides: { rules?: RulesOverrides; siteWaitMs?: number; nameplates?: Record<string, number> } = {},
): CoreOptions {
  return {
    groupId: 'test-group',
    topic: 'inverters_telemetry',
    instanceId,
    engine: { windows: DEFAULT_WINDOW_OPTIONS, rules: resolveRules(overrides.rules), expectedIntervalMs: 10_000 },
    channels: ['console'],
    siteWaitMs: overrides.siteWaitMs ?? 60_000,
    siteActiveHorizonMs: 5 * 60_000,
    nameplates: overrides.nameplates ?? {},
    escalateAfterMs: 3_600_000,
  };
}

/** Feeds a topic to a core in batches of `batch` messages per partition, flushing after each round. */
export async function feed(
  core: ProcessorCore,
  topic: Topic,
  options: { batch?: number; from?: number[]; until?: number; flush?: boolean } = {},
): Promise<void> {
  const batch = options.batch ?? 500;
  const pos = topic.partitions.map((_, p) => options.from?.[p] ?? 0);
  for (;;) {
    let any = false;
    for (let p = 0; p < topic.partitions.length; p++) {
      if (!core.owns(p)) continue;
      const list = topic.partitions[p] as Topic['partitions'][number];
      const start = pos[p] as number;
      const end = Math.min(list.length, start + batch, options.until ?? Number.POSITIVE_INFINITY);
      if (start >= end) continue;
      await core.process(p, list.slice(start, end));
      pos[p] = end;
      any = true;
    }
    if (options.flush ?? true) {
      await core.flush();
      await core.evaluateSites();
    }
    if (!any) break;
  }
}

export async function counts(pool: pg.Pool): Promise<{ results: number; alerts: number; outbox: number }> {
  const q = async (sql: string) => Number((await pool.query<{ n: string }>(sql)).rows[0]?.n);
  return {
    results: await q('SELECT count(*) AS n FROM window_results'),
    alerts: await q('SELECT count(*) AS n FROM alerts'),
    outbox: await q('SELECT count(*) AS n FROM notification_outbox'),
  };
}
