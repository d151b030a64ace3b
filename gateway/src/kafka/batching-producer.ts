import type { Message } from 'kafkajs';
import { GatewayError } from '../errors.ts';

export interface OutMessage {
  topic: string;
  key: string;
  value: string;
  /** Set by the lane router when partitions are known. */
  partition?: number;
}

export type SendBatch = (topicMessages: Array<{ topic: string; messages: Message[] }>) => Promise<unknown>;

export interface BatchingProducerOptions {
  maxInFlightBytes: number;
  maxRequestBytes: number;
  lingerMs: number;
  produceTimeoutMs: number;
  retryAfterSeconds: number;
  /** Which lane carries a message (lanes own disjoint partitions, so per-partition order holds). Default: lane 0. */
  laneOf?: (message: OutMessage) => number;
  /** Called after each produce request with its outcome (metrics). */
  onRequest?: (info: { messages: number; bytes: number; jobs: number; ok: boolean; ms: number }) => void;
}

/** A produce that failed; `stored` lists the indexes of the job's messages Kafka did acknowledge (other lanes). */
export class ProduceError extends GatewayError {
  constructor(
    cause: GatewayError,
    readonly stored: ReadonlySet<number>,
  ) {
    super(cause.code, cause.message, { cause: cause.cause, retryAfterSeconds: cause.retryAfterSeconds });
  }
}

interface Part {
  messages: OutMessage[];
  bytes: number;
  settle: (err: GatewayError | undefined) => void;
}

export function messageBytes(messages: OutMessage[]): number {
  let n = 0;
  for (const m of messages) n += m.value.length + m.key.length + 32;
  return n;
}

/** One produce pipeline: a queue and at most one request in flight (what the idempotent producer allows). */
class Lane {
  private queue: Part[] = [];
  private queuedBytes = 0;
  private sending = false;
  private lingerTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly send: SendBatch,
    private readonly options: BatchingProducerOptions,
    private readonly release: (bytes: number) => void,
  ) {}

  push(part: Part): void {
    this.queue.push(part);
    this.queuedBytes += part.bytes;
    this.schedule();
  }

  get idle(): boolean {
    return !this.sending && this.queue.length === 0;
  }

  schedule(): void {
    if (this.sending || this.queue.length === 0) return;
    if (this.queuedBytes >= this.options.maxRequestBytes || this.options.lingerMs <= 0) {
      this.flush();
      return;
    }
    this.lingerTimer ??= setTimeout(() => {
      this.lingerTimer = undefined;
      this.flush();
    }, this.options.lingerMs);
  }

  flush(): void {
    if (this.sending || this.queue.length === 0) return;
    if (this.lingerTimer) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = undefined;
    }
    const parts: Part[] = [];
    let bytes = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0] as Part;
      if (parts.length > 0 && bytes + next.bytes > this.options.maxRequestBytes) break;
      parts.push(next);
      this.queue.shift();
      bytes += next.bytes;
    }
    this.queuedBytes -= bytes;
    this.sending = true;
    const byTopic = new Map<string, Message[]>();
    let count = 0;
    for (const part of parts) {
      for (const m of part.messages) {
        let list = byTopic.get(m.topic);
        if (!list) {
          list = [];
          byTopic.set(m.topic, list);
        }
        list.push(
          m.partition === undefined
            ? { key: m.key, value: m.value }
            : { key: m.key, value: m.value, partition: m.partition },
        );
        count++;
      }
    }
    const topicMessages = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.options.produceTimeoutMs);
    });
    const sent = this.send(topicMessages).then(
      () => 'ok' as const,
      (err: unknown) => err,
    );
    void Promise.race([sent, timedOut]).then((outcome) => {
      clearTimeout(timer);
      const ok = outcome === 'ok';
      this.options.onRequest?.({ messages: count, bytes, jobs: parts.length, ok, ms: performance.now() - started });
      const err = ok
        ? undefined
        : new GatewayError(
            'GW_KAFKA_UNAVAILABLE',
            outcome === 'timeout'
              ? `Kafka did not acknowledge within ${this.options.produceTimeoutMs} ms`
              : `Kafka refused the produce request: ${outcome instanceof Error ? outcome.message : String(outcome)}`,
            { retryAfterSeconds: this.options.retryAfterSeconds, cause: outcome },
          );
      for (const part of parts) part.settle(err);
    });
    // Memory and ordering: the next request leaves only when this one has really settled.
    void sent.then(() => {
      this.release(bytes);
      this.sending = false;
      this.schedule();
    });
  }
}

/**
 * Coalesces concurrent ingest requests into few Kafka produce requests.
 * kafkajs sends what it is given at once, so batching is done here: while a
 * produce request is out, arriving jobs queue and leave together in the next
 * one (up to maxRequestBytes); an idle lane waits lingerMs for company.
 * Messages are spread over lanes by partition — each lane its own idempotent
 * producer with one request in flight — so encoding one request overlaps the
 * broker's work on another while per-partition order is kept.
 * A job resolves only when Kafka acknowledged all its messages. Bytes queued
 * or in flight are bounded: past maxInFlightBytes a job is refused at once
 * (503 + Retry-After), so a slow or absent Kafka turns into push-back.
 */
export class BatchingProducer {
  private readonly lanes: Lane[];
  private closed = false;
  /** Bytes of jobs queued or in a produce request not yet settled. */
  inFlightBytes = 0;

  constructor(
    sends: SendBatch | SendBatch[],
    private readonly options: BatchingProducerOptions,
  ) {
    const list = Array.isArray(sends) ? sends : [sends];
    this.lanes = list.map(
      (send) =>
        new Lane(send, options, (bytes) => {
          this.inFlightBytes -= bytes;
        }),
    );
  }

  produce(messages: OutMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    const retryAfterSeconds = this.options.retryAfterSeconds;
    if (this.closed)
      return Promise.reject(
        new GatewayError('GW_KAFKA_UNAVAILABLE', 'the gateway is shutting down', { retryAfterSeconds }),
      );
    const bytes = messageBytes(messages);
    if (this.inFlightBytes > 0 && this.inFlightBytes + bytes > this.options.maxInFlightBytes) {
      return Promise.reject(
        new GatewayError(
          'GW_BACKPRESSURE',
          `${this.inFlightBytes} bytes already wait for Kafka (limit ${this.options.maxInFlightBytes})`,
          { retryAfterSeconds },
        ),
      );
    }
    // Split by lane, remembering each message's index in the job.
    const split = new Map<number, { messages: OutMessage[]; indexes: number[] }>();
    const laneOf = this.options.laneOf;
    messages.forEach((m, i) => {
      const lane = laneOf && this.lanes.length > 1 ? laneOf(m) % this.lanes.length : 0;
      let s = split.get(lane);
      if (!s) {
        s = { messages: [], indexes: [] };
        split.set(lane, s);
      }
      s.messages.push(m);
      s.indexes.push(i);
    });
    return new Promise<void>((resolve, reject) => {
      let pending = split.size;
      let failure: GatewayError | undefined;
      const stored = new Set<number>();
      for (const [lane, s] of split) {
        const partBytes = messageBytes(s.messages);
        this.inFlightBytes += partBytes;
        (this.lanes[lane] as Lane).push({
          messages: s.messages,
          bytes: partBytes,
          settle: (err) => {
            if (err) failure ??= err;
            else for (const i of s.indexes) stored.add(i);
            if (--pending > 0) return;
            if (failure) reject(new ProduceError(failure, stored));
            else resolve();
          },
        });
      }
    });
  }

  /** Waits for queued and in-flight jobs to settle, refusing new ones. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.inFlightBytes > 0 || !this.lanes.every((l) => l.idle)) {
      for (const lane of this.lanes) lane.flush();
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}
