import { TOPICS } from '@ysh/common';
import type { OutMessage } from '../kafka/batching-producer.ts';

export type IngestSource = 'http' | 'mqtt';

/**
 * One record of `inverters_telemetry.dlq`: why it was refused and exactly
 * what was sent, so an operator can fix the sender and replay it.
 */
export interface DlqRecord {
  v: 1;
  reason: string;
  source: IngestSource;
  /** Authenticated site (or the MQTT topic's site). */
  site: string;
  batchId: string | null;
  /** Index in the batch's readings; null when the whole payload was refused (MQTT). */
  index: number | null;
  receivedAt: string;
  /** The reading as received (JSON), or the payload text when it was not JSON. */
  raw: unknown;
}

const MAX_RAW_TEXT = 64 * 1024;

export function dlqMessage(record: Omit<DlqRecord, 'v'>): OutMessage {
  const raw =
    typeof record.raw === 'string' && record.raw.length > MAX_RAW_TEXT
      ? `${record.raw.slice(0, MAX_RAW_TEXT)}…(truncated)`
      : record.raw;
  const device = (record.raw as { device?: unknown } | null)?.device;
  return {
    topic: TOPICS.telemetryDlq,
    key: typeof device === 'string' && device.length <= 64 ? device : record.site,
    value: JSON.stringify({ v: 1, ...record, raw }),
  };
}
