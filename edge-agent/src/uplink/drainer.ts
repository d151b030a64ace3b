import { randomUUID } from 'node:crypto';
import type { Logger } from '@ysh/common';
import type { LogBatch, SegmentLog } from '../buffer/segment-log.ts';
import { UplinkError } from '../errors.ts';
import { backoffDelay } from './backoff.ts';
import type { OutgoingBatch, SendResult, UplinkTransport } from './transport.ts';

/** The `ts` of a stored reading, or undefined when the record is not a reading with a valid time. */
function readingTime(item: Buffer | undefined): number | undefined {
  if (!item) return undefined;
  try {
    const ts = Date.parse((JSON.parse(item.toString('utf8')) as { ts?: string }).ts ?? '');
    return Number.isNaN(ts) ? undefined : ts;
  } catch {
    return undefined;
  }
}

export interface DrainerOptions {
  site: string;
  batchMaxReadings: number;
  retryMinMs: number;
  retryMaxMs: number;
  /** After a batch that emptied the backlog, wait this long so the next one is fuller. */
  lingerMs: number;
  agent: string;
}

export interface DrainerEvents {
  onSent?(batch: OutgoingBatch, result: SendResult, ms: number): void;
  onFailure?(error: UplinkError, delayMs: number): void;
}

/**
 * Drains the durable log to the gateway, one batch in flight so order per
 * device is kept: read the next records, send, and only after the receiver's
 * acknowledgement move the log's acknowledged cursor. A failed batch is sent
 * again (same batchId) after backoff with jitter or the server's Retry-After.
 */
export class Drainer {
  private readonly log: SegmentLog;
  private transport: UplinkTransport;
  private opts: DrainerOptions;
  private readonly events: DrainerEvents;
  private readonly logger: Logger;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private stopWait: (() => void) | undefined;
  private limit: number;
  connected = false;
  lastSuccess = 0;
  /** Measurement time (ms) of the first reading of the batch being sent: the oldest one not yet acknowledged. */
  oldestUnsentTs: number | undefined;

  constructor(
    log: SegmentLog,
    transport: UplinkTransport,
    opts: DrainerOptions,
    events: DrainerEvents,
    logger: Logger,
  ) {
    this.log = log;
    this.transport = transport;
    this.opts = opts;
    this.events = events;
    this.logger = logger;
    this.limit = opts.batchMaxReadings;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** New records are stored: stop waiting. */
  wake(): void {
    this.wakeUp?.();
  }

  /** Config reload: later batches use the new transport and limits. */
  reconfigure(transport: UplinkTransport, opts: DrainerOptions): void {
    const old = this.transport;
    this.transport = transport;
    this.opts = opts;
    this.limit = opts.batchMaxReadings;
    if (old !== transport) void old.close();
    this.wake();
  }

  /** Waits `ms`; new data cuts an idle wait short, only stop() cuts a retry backoff short. */
  private pause(ms: number, idle: boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      if (idle) this.wakeUp = done;
      else this.stopWait = done;
    }).finally(() => {
      this.wakeUp = undefined;
      this.stopWait = undefined;
    });
  }

  private build(batch: LogBatch): OutgoingBatch {
    const batchId = randomUUID();
    const meta: Record<string, unknown> = {
      backlog: Math.max(0, this.log.backlog - batch.items.length),
      agent: this.opts.agent,
    };
    if (batch.dropped > 0) meta.dropped = batch.dropped;
    const head = Buffer.from(`{"v":1,"batchId":"${batchId}","site":${JSON.stringify(this.opts.site)},"readings":[`);
    const tail = Buffer.from(`],"meta":${JSON.stringify(meta)}}`);
    const parts: Buffer[] = [head];
    batch.items.forEach((item, i) => {
      if (i > 0) parts.push(COMMA);
      parts.push(item);
    });
    parts.push(tail);
    return { batchId, body: Buffer.concat(parts), readings: batch.items.length };
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.drain();
      } catch (err) {
        // The buffer could not be read (disk error): keep the loop alive and try again.
        this.logger.error({ err: (err as Error).message }, 'drain loop failed, retrying');
        this.log.rewind();
        await this.pause(1000, false);
      }
    }
  }

  private async drain(): Promise<void> {
    let current: { log: LogBatch; out: OutgoingBatch } | undefined;
    let attempt = 0;
    while (!this.stopped) {
      if (!current) {
        const batch = await this.log.next(this.limit);
        if (batch.items.length === 0) {
          await this.pause(250, true);
          continue;
        }
        current = { log: batch, out: this.build(batch) };
        this.oldestUnsentTs = readingTime(batch.items[0]);
      }
      const started = performance.now();
      try {
        const result = await this.transport.send(current.out);
        // The gateway has it: nothing is unsent any more, even while the cursor write below is pending.
        this.oldestUnsentTs = undefined;
        await this.log.ack(current.log);
        this.connected = true;
        this.lastSuccess = Date.now();
        if (result.rejected.length > 0) {
          this.logger.warn(
            { batchId: current.out.batchId, rejected: result.rejected.slice(0, 5), count: result.rejected.length },
            'gateway rejected readings (sent to its dead-letter queue)',
          );
        }
        this.events.onSent?.(current.out, result, performance.now() - started);
        const partial = current.log.items.length < this.limit;
        current = undefined;
        attempt = 0;
        this.limit = this.opts.batchMaxReadings;
        // Caught up: let readings accumulate instead of posting a batch per reading.
        if (partial && this.opts.lingerMs > 0) await this.pause(this.opts.lingerMs, false);
      } catch (err) {
        const e =
          err instanceof UplinkError
            ? err
            : new UplinkError('EDGE_UPLINK_UNAVAILABLE', (err as Error).message, { cause: err });
        this.connected = false;
        attempt++;
        const inFlight = current as { log: LogBatch; out: OutgoingBatch };
        if (e.status === 413 && inFlight.log.items.length > 1) {
          // Too large for the gateway: resend the same records in smaller batches.
          this.limit = Math.max(1, Math.floor(inFlight.log.items.length / 2));
          this.log.rewind();
          current = undefined;
          continue;
        }
        const delay = e.retryAfterMs ?? backoffDelay(attempt, this.opts.retryMinMs, this.opts.retryMaxMs);
        this.events.onFailure?.(e, delay);
        if (attempt === 1 || attempt % 20 === 0) {
          this.logger.warn({ err: e.message, code: e.code, attempt, retryInMs: delay }, 'uplink failed, will retry');
        }
        if (e.code === 'EDGE_UPLINK_REJECTED') {
          this.logger.error({ err: e.message }, 'gateway refuses this site (token? config?); readings stay buffered');
        }
        await this.pause(delay, false);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    this.stopWait?.();
    await this.loop;
  }
}

const COMMA = Buffer.from(',');
