import type { Alert } from '../contract/schemas.ts';
import type { Queryable } from '../db/queryable.ts';
import { msToIso, tsToMs } from '../db/queryable.ts';
import type { AlertEventType, AlertSeverity, AlertState, AlertTransition } from './types.ts';

export interface StoredAlert {
  id: string;
  site: string;
  device: string | null;
  rule: string;
  severity: AlertSeverity;
  state: AlertState;
  since: number;
  openedAt: number;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  escalatedAt: number | null;
  resolvedAt: number | null;
  value: number | null;
  threshold: number | null;
  message: string;
}

interface AlertRow {
  id: string;
  site: string;
  device: string | null;
  rule: string;
  severity: AlertSeverity;
  state: AlertState;
  since: Date;
  opened_at: Date;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  escalated_at: Date | null;
  resolved_at: Date | null;
  value: number | null;
  threshold: number | null;
  message: string;
}

function fromRow(r: AlertRow): StoredAlert {
  return {
    id: r.id,
    site: r.site,
    device: r.device,
    rule: r.rule,
    severity: r.severity,
    state: r.state,
    since: tsToMs(r.since) as number,
    openedAt: tsToMs(r.opened_at) as number,
    acknowledgedAt: tsToMs(r.acknowledged_at),
    acknowledgedBy: r.acknowledged_by,
    escalatedAt: tsToMs(r.escalated_at),
    resolvedAt: tsToMs(r.resolved_at),
    value: r.value,
    threshold: r.threshold,
    message: r.message,
  };
}

/** The contract event (topic inverter_alerts, Slack, annotations) for a stored alert. */
export function alertEvent(a: StoredAlert, event: AlertEventType, at: number, message = a.message): Alert {
  return {
    v: 1,
    id: a.id,
    event,
    site: a.site,
    ...(a.device === null ? {} : { device: a.device }),
    rule: a.rule,
    severity: a.severity,
    since: msToIso(a.since),
    at: msToIso(at),
    ...(a.value === null ? {} : { value: a.value }),
    ...(a.threshold === null ? {} : { threshold: a.threshold }),
    message: message.slice(0, 1000),
  };
}

/**
 * Channels that reach people (Slack, the console). A live silence (table alert_silences,
 * set through the admin API) mutes these for matching alerts; the alert is still stored
 * and still goes to the data channels (the inverter_alerts topic, annotations).
 */
export const SILENCEABLE_CHANNELS: readonly string[] = ['slack', 'console'];

/** Queues one notification per channel; the unique key makes a second queueing of the same event a no-op. */
async function enqueue(db: Queryable, alert: Alert, channels: string[]): Promise<void> {
  if (channels.length === 0) return;
  await db.query(
    `INSERT INTO notification_outbox (alert_id, event, channel, payload)
     SELECT $1, $2, c, $3::jsonb FROM unnest($4::text[]) AS c
      WHERE NOT (c = ANY($5::text[]) AND EXISTS (
        SELECT 1 FROM alert_silences s
         WHERE s.deleted_at IS NULL AND s.until > now() AND s.site = $6
           AND (s.device IS NULL OR s.device = $7) AND (s.rule IS NULL OR s.rule = $8)))
     ON CONFLICT (alert_id, event, channel) DO NOTHING`,
    [
      alert.id,
      alert.event,
      JSON.stringify(alert),
      channels,
      SILENCEABLE_CHANNELS,
      alert.site,
      alert.device ?? null,
      alert.rule,
    ],
  );
}

/**
 * Applies rule transitions, idempotently: an "open" inserts the incident
 * unless it (or another unresolved incident of the same target and rule)
 * exists; a "resolve" only changes an unresolved incident. A notification is
 * queued only when the row really changed, in the same transaction.
 */
export async function applyTransitions(
  db: Queryable,
  transitions: AlertTransition[],
  channels: string[],
): Promise<{ opened: number; resolved: number }> {
  let opened = 0;
  let resolved = 0;
  for (const t of transitions) {
    if (t.type === 'open') {
      const { rows } = await db.query<AlertRow>(
        `INSERT INTO alerts (id, site, device, rule, severity, state, since, opened_at, value, threshold, message)
         VALUES ($1, $2, $3, $4, $5, 'open', to_timestamp($6 / 1000.0), to_timestamp($7 / 1000.0), $8, $9, $10)
         ON CONFLICT DO NOTHING RETURNING *`,
        [
          t.id,
          t.site,
          t.device ?? null,
          t.rule,
          t.severity,
          t.since,
          t.at,
          t.value ?? null,
          t.threshold ?? null,
          t.message,
        ],
      );
      const row = rows[0];
      if (!row) continue;
      opened += 1;
      await enqueue(db, alertEvent(fromRow(row), 'opened', t.at), channels);
    } else {
      const { rows } = await db.query<AlertRow>(
        `UPDATE alerts SET state = 'resolved', resolved_at = to_timestamp($2 / 1000.0), updated_at = now()
         WHERE id = $1 AND state <> 'resolved' RETURNING *`,
        [t.id, t.at],
      );
      const row = rows[0];
      if (!row) continue;
      resolved += 1;
      await enqueue(db, alertEvent(fromRow(row), 'resolved', t.at, t.message), channels);
    }
  }
  return { opened, resolved };
}

/** An operator takes the alert: open → acknowledged (once). */
export async function acknowledgeAlert(
  db: Queryable,
  id: string,
  by: string,
  channels: string[],
  now = Date.now(),
): Promise<StoredAlert | undefined> {
  const { rows } = await db.query<AlertRow>(
    `UPDATE alerts SET state = 'acknowledged', acknowledged_at = to_timestamp($2 / 1000.0), acknowledged_by = $3,
       updated_at = now()
     WHERE id = $1 AND state = 'open' RETURNING *`,
    [id, now, by],
  );
  const row = rows[0];
  if (!row) return undefined;
  const a = fromRow(row);
  await enqueue(db, alertEvent(a, 'acknowledged', now, `acknowledged by ${by}`), channels);
  return a;
}

/** Alerts unresolved for longer than `afterMs` (processing time since they opened) escalate, once. */
export async function escalateAlerts(
  db: Queryable,
  afterMs: number,
  channels: string[],
  now = Date.now(),
): Promise<StoredAlert[]> {
  const { rows } = await db.query<AlertRow>(
    `UPDATE alerts SET escalated_at = to_timestamp($1::double precision / 1000.0), updated_at = now()
     WHERE state <> 'resolved' AND escalated_at IS NULL AND created_at <= to_timestamp(($1::double precision - $2::double precision) / 1000.0)
     RETURNING *`,
    [now, afterMs],
  );
  const out = rows.map(fromRow);
  for (const a of out) {
    const minutes = Math.round((now - a.since) / 60_000);
    await enqueue(db, alertEvent(a, 'escalated', now, `still unresolved after ${minutes} min: ${a.message}`), channels);
  }
  return out;
}

export async function listAlerts(
  db: Queryable,
  where: { state?: AlertState | 'unresolved'; rule?: string } = {},
): Promise<StoredAlert[]> {
  const conds: string[] = [];
  const params: unknown[] = [];
  if (where.state === 'unresolved') conds.push("state <> 'resolved'");
  else if (where.state) {
    params.push(where.state);
    conds.push(`state = $${params.length}`);
  }
  if (where.rule) {
    params.push(where.rule);
    conds.push(`rule = $${params.length}`);
  }
  const { rows } = await db.query<AlertRow>(
    `SELECT * FROM alerts ${conds.length ? `WHERE ${conds.join(' AND ')}` : ''} ORDER BY since, id`,
    params,
  );
  return rows.map(fromRow);
}
