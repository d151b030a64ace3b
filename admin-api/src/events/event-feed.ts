import type { Logger } from '@ysh/common';
import type { Pool } from '@ysh/common/db';

export const EVENT_TYPES = [
  'alert.opened',
  'alert.acknowledged',
  'alert.resolved',
  'run.started',
  'run.finished',
] as const;

/** One row of api_events as sent on the stream: `id:` is the row id, `data:` this object. */
export interface FeedEvent {
  seq: number;
  type: string;
  /** The alert or run id. */
  id: string;
  site: string | null;
  at: string;
  [field: string]: unknown;
}

interface EventRow {
  id: string;
  type: string;
  site: string | null;
  subject: string;
  data: Record<string, unknown>;
  at: Date;
}

const toEvent = (r: EventRow): FeedEvent => ({
  ...r.data,
  seq: Number(r.id),
  type: r.type,
  id: r.subject,
  site: r.site,
  at: r.at.toISOString(),
});

/** A gap in ids younger than this is waited for (a transaction that took its id may still commit). */
const GAP_WAIT_MS = 2000;
const RING = 5000;

/**
 * The api_events journal (written by triggers on alerts and job_runs) read by one poller per
 * process and fanned out to SSE subscribers. A subscriber resuming with Last-Event-ID gets
 * what it missed from the table, then the live events, each exactly once and in order.
 */
export class EventFeed {
  private cursor = 0;
  private readonly ring: FeedEvent[] = [];
  private readonly listeners = new Set<(e: FeedEvent) => void>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private started: Promise<void> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly logger: Logger,
    private readonly pollMs: number,
  ) {}

  /** Begins after the newest existing event. */
  start(): Promise<void> {
    this.started ??= (async () => {
      const res = await this.pool.query<{ max: string | null }>('SELECT max(id) AS max FROM api_events');
      this.cursor = Number(res.rows[0]?.max ?? 0);
      this.schedule();
    })();
    return this.started;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.poll()
        .catch((err: unknown) => this.logger.warn({ err: (err as Error).message }, 'event poll failed'))
        .finally(() => this.schedule());
    }, this.pollMs);
    this.timer.unref();
  }

  /** Reads new events; stops at a young gap so an event committed late is not skipped. */
  async poll(): Promise<number> {
    const res = await this.pool.query<EventRow>(
      'SELECT id, type, site, subject, data, at FROM api_events WHERE id > $1 ORDER BY id LIMIT 1000',
      [this.cursor],
    );
    let n = 0;
    for (const row of res.rows) {
      const id = Number(row.id);
      if (id !== this.cursor + 1 && Date.now() - row.at.getTime() < GAP_WAIT_MS) break;
      this.cursor = id;
      const event = toEvent(row);
      this.ring.push(event);
      if (this.ring.length > RING) this.ring.splice(0, this.ring.length - RING);
      for (const listener of this.listeners) listener(event);
      n++;
    }
    return n;
  }

  /**
   * Calls `send` for every event after `afterSeq` that `visible` admits, first the stored
   * backlog, then live ones; returns the unsubscribe function.
   */
  async subscribe(
    afterSeq: number | null,
    visible: (e: FeedEvent) => boolean,
    send: (e: FeedEvent) => void,
  ): Promise<() => void> {
    await this.start();
    let sentUpTo = afterSeq ?? this.cursor;
    let replaying = true;
    const queued: FeedEvent[] = [];
    const deliver = (e: FeedEvent) => {
      if (e.seq <= sentUpTo) return;
      sentUpTo = e.seq;
      if (visible(e)) send(e);
    };
    const listener = (e: FeedEvent) => (replaying ? queued.push(e) : deliver(e));
    this.listeners.add(listener);
    if (afterSeq !== null && afterSeq < this.cursor) {
      const res = await this.pool.query<EventRow>(
        'SELECT id, type, site, subject, data, at FROM api_events WHERE id > $1 AND id <= $2 ORDER BY id LIMIT 10000',
        [afterSeq, this.cursor],
      );
      for (const row of res.rows) deliver(toEvent(row));
    }
    replaying = false;
    for (const e of queued) deliver(e);
    return () => this.listeners.delete(listener);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.listeners.clear();
  }
}
