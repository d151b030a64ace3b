import type { Message } from 'kafkajs';
import { GatewayError } from '../errors.ts';

export interface OutMessage {
  topic: string;
  key: string;
  value: string;
}

export type SendBatch = (topicMessages: Array<{ topic: string; messages: Message[] }>) => Promise<unknown>;

export interface BatchingProducerOptions {
  maxInFlightBytes: number;
  maxRequestBytes: number;
  lingerMs: number;
  produceTimeoutMs: number;
  retryAfterSeconds: number;
  /** Called after each produce request with its outcome (metrics). */
  onRequest?: (info: { messages: number; bytes: number; jobs: number; ok: boolean; ms: number }) => void;
}

interface Job {
  messages: OutMessage[];
  bytes: number;
  resolve: () => void;
  reject: (err: GatewayError) => void;
}

export function messageBytes(messages: OutMessage[]): number {
  let n = 0;
  for (const m of messages) n += m.value.length + m.key.length + 32;
  return n;
}

/**
 * Coalesces concurrent ingest requests into few Kafka produce requests.
 * kafkajs sends what it is given at once, so batching is done here: while one
 * produce request is out, arriving jobs queue and leave together in the next
 * one (up to maxRequestBytes); an idle producer waits lingerMs for company.
 * Every job settles with its request: resolved only when Kafka acknowledged
 * all its messages. Bytes queued or in flight are bounded: past
 * maxInFlightBytes a job is refused at once (503 + Retry-After), so a slow or
 * absent Kafka turns into push-back, not memory growth.
 */
export class BatchingProducer {
  private queue: Job[] = [];
  private queuedBytes = 0;
  private sending = false;
  private lingerTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Bytes of jobs queued or in a produce request not yet settled. */
  inFlightBytes = 0;

  constructor(
    private readonly send: SendBatch,
    private readonly options: BatchingProducerOptions,
  ) {}

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
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ messages, bytes, resolve, reject });
      this.queuedBytes += bytes;
      this.inFlightBytes += bytes;
      this.schedule();
    });
  }

  private schedule(): void {
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

  private flush(): void {
    if (this.sending || this.queue.length === 0) return;
    if (this.lingerTimer) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = undefined;
    }
    const jobs: Job[] = [];
    let bytes = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0] as Job;
      if (jobs.length > 0 && bytes + next.bytes > this.options.maxRequestBytes) break;
      jobs.push(next);
      this.queue.shift();
      bytes += next.bytes;
    }
    this.queuedBytes -= bytes;
    this.sending = true;
    const byTopic = new Map<string, Message[]>();
    let count = 0;
    for (const job of jobs) {
      for (const m of job.messages) {
        let list = byTopic.get(m.topic);
        if (!list) {
          list = [];
          byTopic.set(m.topic, list);
        }
        list.push({ key: m.key, value: m.value });
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
      this.options.onRequest?.({ messages: count, bytes, jobs: jobs.length, ok, ms: performance.now() - started });
      for (const job of jobs) {
        if (ok) job.resolve();
        else
          job.reject(
            new GatewayError(
              'GW_KAFKA_UNAVAILABLE',
              outcome === 'timeout'
                ? `Kafka did not acknowledge within ${this.options.produceTimeoutMs} ms`
                : `Kafka refused the produce request: ${outcome instanceof Error ? outcome.message : String(outcome)}`,
              { retryAfterSeconds: this.options.retryAfterSeconds, cause: outcome },
            ),
          );
      }
    });
    // Memory and ordering: the next request leaves only when this one has really settled.
    void sent.then(() => {
      this.inFlightBytes -= bytes;
      this.sending = false;
      this.schedule();
    });
  }

  /** Waits for queued and in-flight jobs to settle, refusing new ones. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.inFlightBytes > 0) {
      if (!this.sending) this.flush();
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}
