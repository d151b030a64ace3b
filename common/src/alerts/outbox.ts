import type { Alert } from '../contract/schemas.ts';
import type pg from 'pg';
import type { Logger } from 'pino';

/** Where alert events go: Slack, the inverter_alerts topic, InfluxDB annotations, the console. */
export interface AlertChannel {
  name: string;
  deliver(alert: Alert): Promise<void>;
  /**
   * Whether this event already got through, asked only of a notification in doubt: an earlier
   * attempt was claimed and never recorded an outcome (its sender was killed mid-send). A channel
   * without it is at-least-once in that case.
   */
  delivered?(alert: Alert): Promise<boolean>;
  close?(): Promise<void>;
}

export interface OutboxOptions {
  intervalMs: number;
  /** How long a claimed notification is reserved for the instance sending it. */
  leaseMs: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
  batchSize: number;
}

export const DEFAULT_OUTBOX_OPTIONS: OutboxOptions = {
  intervalMs: 500,
  leaseMs: 30_000,
  baseBackoffMs: 1000,
  maxBackoffMs: 5 * 60_000,
  batchSize: 100,
};

/** Exponential backoff with a cap: 1 s, 2 s, 4 s … 5 min. */
export function backoffMs(attempts: number, o: Pick<OutboxOptions, 'baseBackoffMs' | 'maxBackoffMs'>): number {
  return Math.min(o.maxBackoffMs, o.baseBackoffMs * 2 ** Math.max(0, attempts - 1));
}

/**
 * Delivers queued notifications until each one succeeds: a channel failing
 * only delays its own rows (backoff), nothing is dropped. Per (alert,
 * channel) the events go out in order, so "resolved" never overtakes
 * "opened". Several instances share the table safely (SKIP LOCKED claims).
 */
export class OutboxDispatcher {
  private readonly channels: Map<string, AlertChannel>;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  readonly options: OutboxOptions;
  delivered = 0;
  failures = 0;

  constructor(
    private readonly pool: pg.Pool,
    channels: AlertChannel[],
    private readonly logger: Logger,
    options: Partial<OutboxOptions> = {},
  ) {
    this.channels = new Map(channels.map((c) => [c.name, c]));
    this.options = { ...DEFAULT_OUTBOX_OPTIONS, ...options };
  }

  get channelNames(): string[] {
    return [...this.channels.keys()];
  }

  /** One pass: claims due rows, delivers, records the outcome. */
  async runOnce(): Promise<{ delivered: number; failed: number }> {
    const names = this.channelNames;
    if (names.length === 0) return { delivered: 0, failed: 0 };
    const { rows } = await this.pool.query<{
      id: string;
      channel: string;
      payload: Alert;
      attempts: number;
      in_doubt: boolean;
    }>(
      `WITH claimed AS (
       UPDATE notification_outbox o SET attempts = o.attempts + 1, next_attempt_at = now() + ($3 || ' milliseconds')::interval,
         sending_since = now()
       FROM notification_outbox before
       WHERE before.id = o.id AND o.id IN (
         SELECT o.id FROM notification_outbox o
         WHERE o.delivered_at IS NULL AND o.next_attempt_at <= now() AND o.channel = ANY($1::text[])
           AND NOT EXISTS (SELECT 1 FROM notification_outbox e WHERE e.alert_id = o.alert_id
                           AND e.channel = o.channel AND e.id < o.id AND e.delivered_at IS NULL)
         ORDER BY o.id LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING o.id, o.channel, o.payload, o.attempts, before.sending_since IS NOT NULL AS in_doubt)
       SELECT * FROM claimed`,
      [names, this.options.batchSize, String(this.options.leaseMs)],
    );
    rows.sort((a, b) => Number(a.id) - Number(b.id));
    let delivered = 0;
    let failed = 0;
    for (const row of rows) {
      const channel = this.channels.get(row.channel) as AlertChannel;
      try {
        if (row.in_doubt && (await channel.delivered?.(row.payload))) {
          this.logger.info(
            { channel: row.channel, alert: row.payload.id, event: row.payload.event },
            'notification already delivered by an interrupted attempt; not sent again',
          );
        } else {
          await channel.deliver(row.payload);
        }
        await this.pool.query(
          'UPDATE notification_outbox SET delivered_at = now(), last_error = NULL, sending_since = NULL WHERE id = $1',
          [row.id],
        );
        delivered += 1;
      } catch (err) {
        failed += 1;
        const wait = backoffMs(row.attempts, this.options);
        const message = err instanceof Error ? err.message : String(err);
        this.logger.warn(
          {
            channel: row.channel,
            alert: row.payload.id,
            event: row.payload.event,
            attempts: row.attempts,
            retryInMs: wait,
            err: message,
          },
          'notification failed, will retry',
        );
        await this.pool.query(
          `UPDATE notification_outbox SET last_error = $2, next_attempt_at = now() + ($3 || ' milliseconds')::interval,
             sending_since = NULL
           WHERE id = $1`,
          [row.id, message.slice(0, 500), String(wait)],
        );
      }
    }
    this.delivered += delivered;
    this.failures += failed;
    return { delivered, failed };
  }

  start(): void {
    const loop = () => {
      this.running = this.runOnce()
        .catch((err: unknown) => this.logger.warn({ err }, 'outbox pass failed'))
        .finally(() => {
          if (this.timer !== undefined) this.timer = setTimeout(loop, this.options.intervalMs);
        });
    };
    this.timer = setTimeout(loop, 0);
  }

  /** Stops the loop after the pass in progress; optionally one last pass to send what is due. */
  async stop(drain = true): Promise<void> {
    const t = this.timer;
    this.timer = undefined;
    if (t) clearTimeout(t);
    await this.running;
    if (drain) await this.runOnce().catch(() => {});
    for (const c of this.channels.values()) await c.close?.();
  }

  /** Undelivered notifications (for /health and tests). */
  async pending(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM notification_outbox WHERE delivered_at IS NULL',
    );
    return Number(rows[0]?.n ?? 0);
  }
}
