import { deserializeWindow, storedWindow, type WindowAcc } from '../aggregates/window-aggregate.ts';
import type { DeviceRuleState } from '../engine.ts';
import type { DeviceWindows } from '../windows/window-manager.ts';
import { ProcessorError } from '../errors.ts';
import type { Queryable } from './queryable.ts';
import { tsToMs } from './queryable.ts';

/** What is kept of a device between runs: its event time, open windows and rule memory. */
export interface DeviceCheckpoint {
  site: string;
  device: string;
  partition: number;
  maxTs: number;
  lastSeenAt: number;
  open: WindowAcc[];
  rules: DeviceRuleState;
  /** Newest energy-counter reading (event time, Wh). */
  lastPoint: [number, number] | null;
}

export class FencedError extends ProcessorError {
  constructor(readonly partition: number) {
    super('PROC_FENCED', `partition ${partition} is owned by another processor instance`, { retriable: true });
  }
}

/**
 * Takes ownership of partitions: every later checkpoint write checks the
 * owner, so an instance that lost a partition in a rebalance cannot overwrite
 * the new owner's state. Returns the next offset the stored state covers.
 */
export async function claimPartitions(
  db: Queryable,
  groupId: string,
  topic: string,
  partitions: number[],
  owner: string,
): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (partitions.length === 0) return out;
  const { rows } = await db.query<{ partition: number; next_offset: string }>(
    `INSERT INTO processor_partitions (group_id, topic, partition, next_offset, owner)
     SELECT $1, $2, p, 0, $4 FROM unnest($3::int[]) AS p
     ON CONFLICT (group_id, topic, partition) DO UPDATE SET owner = EXCLUDED.owner, updated_at = now()
     RETURNING partition, next_offset`,
    [groupId, topic, partitions, owner],
  );
  for (const r of rows) out.set(r.partition, Number(r.next_offset));
  return out;
}

/** Advances the partitions' offsets; throws FencedError (and the transaction must roll back) if one is no longer ours. */
export async function advanceOffsets(
  db: Queryable,
  groupId: string,
  topic: string,
  offsets: Map<number, number>,
  owner: string,
): Promise<void> {
  if (offsets.size === 0) return;
  const parts = [...offsets.keys()];
  const { rows } = await db.query<{ partition: number }>(
    `UPDATE processor_partitions p SET next_offset = GREATEST(p.next_offset, x.o), updated_at = now()
     FROM (SELECT unnest($3::int[]) AS part, unnest($4::bigint[]) AS o) x
     WHERE p.group_id = $1 AND p.topic = $2 AND p.partition = x.part AND p.owner = $5
     RETURNING p.partition`,
    [groupId, topic, parts, parts.map((p) => String(offsets.get(p))), owner],
  );
  if (rows.length !== parts.length) {
    const ok = new Set(rows.map((r) => r.partition));
    throw new FencedError(parts.find((p) => !ok.has(p)) as number);
  }
}

export function toCheckpoint(
  dev: DeviceWindows,
  partition: number,
  rules: DeviceRuleState | undefined,
): DeviceCheckpoint {
  return {
    site: dev.site,
    device: dev.device,
    partition,
    maxTs: dev.maxTs,
    lastSeenAt: dev.lastSeenAt,
    open: [...dev.open.values()],
    rules: rules ?? {},
    lastPoint: dev.lastPoint,
  };
}

/** Device checkpoints as one JSON text, serialized at once (a snapshot of the in-memory state) in one native pass. */
export function deviceRowsJson(devices: DeviceCheckpoint[]): string | undefined {
  if (devices.length === 0) return undefined;
  return JSON.stringify(
    devices.map((d) => ({
      device: d.device,
      site: d.site,
      partition: d.partition,
      seen: d.lastSeenAt,
      max_ts: Number.isFinite(d.maxTs) ? d.maxTs : null,
      state: { open: d.open.map(storedWindow), rules: d.rules, lastPoint: d.lastPoint },
    })),
  );
}

export async function saveDevices(
  db: Queryable,
  groupId: string,
  topic: string,
  devices: DeviceCheckpoint[],
): Promise<void> {
  await saveDeviceRows(db, groupId, topic, deviceRowsJson(devices));
}

export async function saveDeviceRows(
  db: Queryable,
  groupId: string,
  topic: string,
  rowsJson: string | undefined,
): Promise<void> {
  if (rowsJson === undefined) return;
  await db.query(
    `INSERT INTO processor_devices (group_id, topic, device, site, partition, last_seen_at, max_event_ts, state)
     SELECT $1, $2, x.device, x.site, x.partition, to_timestamp(x.seen / 1000.0),
            CASE WHEN x.max_ts IS NULL THEN NULL ELSE to_timestamp(x.max_ts / 1000.0) END, x.state
     FROM json_to_recordset($3::json) AS x(device text, site text, partition integer, seen double precision,
       max_ts double precision, state json)
     ON CONFLICT (group_id, device) DO UPDATE SET site = EXCLUDED.site, topic = EXCLUDED.topic,
       partition = EXCLUDED.partition, last_seen_at = EXCLUDED.last_seen_at, max_event_ts = EXCLUDED.max_event_ts,
       state = EXCLUDED.state, updated_at = now()`,
    [groupId, topic, rowsJson],
  );
}

export async function loadDevices(
  db: Queryable,
  groupId: string,
  topic: string,
  partitions: number[],
): Promise<DeviceCheckpoint[]> {
  if (partitions.length === 0) return [];
  const { rows } = await db.query<{
    device: string;
    site: string;
    partition: number;
    last_seen_at: Date;
    max_event_ts: Date | null;
    state: { open: object[]; rules: DeviceRuleState; lastPoint?: [number, number] | null };
  }>(
    `SELECT device, site, partition, last_seen_at, max_event_ts, state FROM processor_devices
     WHERE group_id = $1 AND topic = $2 AND partition = ANY($3::int[])`,
    [groupId, topic, partitions],
  );
  return rows.map((r) => ({
    device: r.device,
    site: r.site,
    partition: r.partition,
    lastSeenAt: tsToMs(r.last_seen_at) as number,
    maxTs: tsToMs(r.max_event_ts) ?? Number.NEGATIVE_INFINITY,
    open: r.state.open.map((w) => deserializeWindow(w)),
    rules: r.state.rules,
    lastPoint: r.state.lastPoint ?? null,
  }));
}

/** Last time each device was seen, across every instance of the group (communication-loss check). */
export async function listDevicesSeen(
  db: Queryable,
  groupId: string,
): Promise<{ site: string; device: string; lastSeenAt: number }[]> {
  const { rows } = await db.query<{ site: string; device: string; last_seen_at: Date }>(
    'SELECT site, device, last_seen_at FROM processor_devices WHERE group_id = $1',
    [groupId],
  );
  return rows.map((r) => ({ site: r.site, device: r.device, lastSeenAt: tsToMs(r.last_seen_at) as number }));
}
