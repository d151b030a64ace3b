import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { FlushJob, ProcessorCore } from '../processor-core.ts';

export interface DriverOptions {
  groupId: string;
  topic: string;
  /** Checkpoint (and Kafka commit) at most this often while messages flow. */
  commitIntervalMs: number;
  /**
   * Between checkpoints, results, alert changes and raw points are written as soon as the previous write is
   * done (0), or at most this often: the sinks do not wait for the checkpoint cadence.
   */
  publishIntervalMs: number;
  /** Processing-time tick: idle windows, pending site windows, quiet-time checkpoints. */
  tickIntervalMs: number;
  /** Every n-th checkpoint also stores device state and offsets (and commits them to Kafka). */
  stateEvery: number;
  sessionTimeoutMs: number;
  /** A new group starts from the beginning of the topic (nothing is skipped). */
  fromBeginning: boolean;
  maxBytesPerPartition?: number;
  /**
   * How long a fetch waits at the broker for new messages (default 200 ms). A consumer that got no batch for
   * longer than this has read everything there is: its device state and offsets are checkpointed then.
   */
  fetchWaitMs?: number;
  /** Called after each durable write (checkpoint or publish), e.g. to send its alert notifications at once. */
  onWritten?: (job: FlushJob) => void;
}

/**
 * Drives a ProcessorCore from a kafkajs consumer group. Offsets are committed
 * only after the checkpoint that covers them is durable; after a rebalance or
 * a failed checkpoint the core forgets its memory and each partition resumes
 * from its stored checkpoint (seeking back when Kafka's position is ahead).
 */
export class KafkaDriver {
  readonly consumer: Consumer;
  private chain: Promise<unknown> = Promise.resolve();
  /** Partitions whose first batch after a claim is still to come (checked against the checkpoint). */
  private firstBatch = new Set<number>();
  private stopping = false;
  private lastFlush = Date.now();
  private lastPublish = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly seeked = new Set<number>();
  private failures = 0;
  private flushCount = 0;
  /** Batches processed since the last write was prepared: none means the consumer has gone idle. */
  private batchesSinceWrite = 0;
  /** When the last batch was processed; the quiet check compares it with the fetch wait. */
  private lastBatchAt = 0;
  private quietTimer: NodeJS.Timeout | undefined;
  private readonly fetchWaitMs: number;
  /** The checkpoint (or peer evaluation) being written; at most one at a time. */
  private inflight: Promise<void> | undefined;
  running = false;
  rebalances = 0;
  /** Messages behind each owned partition's high watermark after the last batch fetched from it. */
  readonly lag = new Map<number, number>();

  constructor(
    kafka: Kafka,
    private readonly core: ProcessorCore,
    private readonly options: DriverOptions,
    private readonly logger: Logger,
  ) {
    this.fetchWaitMs = options.fetchWaitMs ?? 200;
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(options.sessionTimeoutMs / 10)),
      maxBytesPerPartition: options.maxBytesPerPartition ?? 4 * 1024 * 1024,
      maxWaitTimeInMs: this.fetchWaitMs,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 5000 },
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => {
      this.rebalances += 1;
      const assigned = e.payload.memberAssignment[options.topic] ?? [];
      this.logger.info({ assignment: e.payload.memberAssignment }, 'joined consumer group');
      // Forget everything not checkpointed and take the new assignment over from the checkpoint at once,
      // so a partition with nothing new still gets its devices (and their idle windows) back.
      void this.locked(async () => {
        await this.inflight;
        this.core.reset();
        this.seeked.clear();
        for (const p of this.lag.keys()) if (!assigned.includes(p)) this.lag.delete(p);
        this.firstBatch = new Set(assigned);
        await this.core.claim(assigned);
      }).catch((err: unknown) => this.logger.warn({ err }, 'claiming the assignment failed; retrying per batch'));
    });
    this.consumer.on(this.consumer.events.CRASH, (e) => {
      this.logger.error({ err: e.payload.error, restart: e.payload.restart }, 'consumer crashed');
    });
  }

  /** Serializes batches, ticks and checkpoints: the core is not re-entrant. */
  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => {});
    return run;
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.options.topic, fromBeginning: this.options.fromBeginning });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.eachBatch(payload),
    });
    this.running = true;
    this.timer = setInterval(() => {
      void this.locked(() => this.onTick()).catch((err: unknown) => this.logger.warn({ err }, 'tick failed'));
    }, this.options.tickIntervalMs);
  }

  private async eachBatch({ batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload): Promise<void> {
    if (this.stopping || batch.messages.length === 0) return;
    await this.locked(async () => {
      if (this.stopping || !isRunning() || isStale()) return;
      const p = batch.partition;
      if (!this.core.owns(p)) {
        await this.core.claim([p]);
        this.firstBatch.add(p);
      }
      if (this.firstBatch.has(p)) {
        this.firstBatch.delete(p);
        const stored = this.core.partitions.get(p)?.stored ?? 0;
        const first = Number(batch.messages[0]?.offset ?? batch.firstOffset());
        if (first > stored && !this.seeked.has(p)) {
          // Kafka's position is past what the checkpoint covers: go back rather than lose it.
          this.seeked.add(p);
          this.logger.info({ partition: p, from: first, to: stored }, 'seeking back to the checkpoint');
          this.consumer.seek({ topic: this.options.topic, partition: p, offset: String(stored) });
          return;
        }
      }
      await this.core.process(p, batch.messages);
      this.batchesSinceWrite += 1;
      this.lag.set(p, Math.max(0, Number(batch.offsetLag())));
      // Advances kafkajs's fetch position only; what is committed to Kafka is decided by the checkpoint.
      const last = batch.messages[batch.messages.length - 1];
      if (last) resolveOffset(last.offset);
      this.lastBatchAt = Date.now();
      this.maybeWrite();
      this.armQuietCheck();
    });
    await heartbeat().catch(() => {});
  }

  /**
   * Nothing more to read now: no batch came since the last write was prepared (its whole write time), or the
   * last batch of every owned partition reached its high watermark.
   */
  private caughtUp(): boolean {
    if (this.batchesSinceWrite === 0) return true;
    for (const lag of this.lag.values()) if (lag > 0) return false;
    return true;
  }

  private async onTick(): Promise<void> {
    if (this.stopping || this.inflight) return;
    this.core.tick();
    if (this.core.dirty && Date.now() - this.lastFlush >= this.options.commitIntervalMs) this.startCheckpoint();
    else if (this.core.unpublished && Date.now() - this.lastPublish >= this.options.publishIntervalMs) this.publish();
    else {
      this.inflight = this.core
        .evaluateSites()
        .catch((err: unknown) => this.logger.warn({ err }, 'peer evaluation failed'))
        .finally(() => {
          this.inflight = undefined;
        });
    }
  }

  /**
   * With no write in flight: a checkpoint with device state and offsets when the consumer has caught up (a
   * burst's end is stored at once, not at the n-th checkpoint or a fetch wait later), a checkpoint when the
   * commit interval is up, else the results, alert changes and raw points processed since the last write (no
   * device state, no offsets), so they reach the sinks without waiting for the checkpoint cadence. While a
   * write is in flight, what arrives waits for it and goes out in the next one (group commit): the wait is the
   * write time, which grows with the load, not a fixed timer.
   */
  private maybeWrite(): void {
    if (this.inflight || this.stopping) return;
    const now = Date.now();
    const publishDue = now - this.lastPublish >= this.options.publishIntervalMs;
    if (this.core.dirty && publishDue && this.caughtUp()) this.startCheckpoint(true);
    else if (now - this.lastFlush >= this.options.commitIntervalMs) this.startCheckpoint();
    else if (this.core.unpublished && publishDue) this.publish();
  }

  /**
   * Once no batch has come for longer than a fetch waits (the consumer has read everything there is), the
   * device state and offsets still unwritten are checkpointed then, when no write is in flight (a write in
   * flight arms the check again when it ends): a burst's end is stored within about a fetch wait, not at
   * the next tick and commit interval.
   */
  private armQuietCheck(): void {
    if (this.quietTimer || this.stopping) return;
    this.quietTimer = setTimeout(() => {
      this.quietTimer = undefined;
      void this.locked(async () => {
        if (this.inflight || this.stopping || !this.core.dirty) return;
        if (Date.now() - this.lastBatchAt < this.fetchWaitMs) this.armQuietCheck();
        else this.startCheckpoint(true);
      }).catch(() => {});
    }, this.fetchWaitMs + 10);
  }

  /** A write without device state or offsets: a replay from the last checkpoint rewrites the same rows. */
  private publish(): void {
    this.lastPublish = Date.now();
    this.batchesSinceWrite = 0;
    const job = this.core.prepareFlush(false);
    if (!job) return;
    this.track(this.writeCheckpoint(job));
  }

  /**
   * Marks a write in flight; when it is done, whatever arrived meanwhile is written next, and a consumer that
   * has caught up (nothing arrived, or it read every partition to its end) checkpoints its device state and
   * offsets then rather than at the next tick and the n-th checkpoint: an idle consumer has the time, and a
   * restart then replays nothing. Otherwise the quiet check stores them once no batch comes for a fetch wait.
   */
  private track(write: Promise<void>): void {
    this.inflight = write.finally(() => {
      this.inflight = undefined;
      if (this.stopping) return;
      if (this.core.unpublished || (this.core.dirty && this.caughtUp())) {
        const wait = Math.max(0, this.options.publishIntervalMs - (Date.now() - this.lastPublish));
        setTimeout(() => {
          void this.locked(async () => this.maybeWrite()).catch(() => {});
        }, wait);
      } else if (this.core.dirty) this.armQuietCheck();
    });
  }

  /**
   * Snapshots the core now and writes it in the background while batches keep
   * being processed: durable first, then the Kafka commit, then peer rules. A
   * failure resets memory to the last checkpoint and backs off.
   */
  private startCheckpoint(withState = false): void {
    this.lastFlush = Date.now();
    this.flushCount += 1;
    this.lastPublish = this.lastFlush;
    this.batchesSinceWrite = 0;
    const job = this.core.prepareFlush(withState || this.flushCount % this.options.stateEvery === 0);
    if (!job) return;
    this.track(this.writeCheckpoint(job));
  }

  private async writeCheckpoint(job: FlushJob, inLock = false): Promise<void> {
    let offsets: Map<number, number>;
    try {
      offsets = await this.core.writeFlush(job);
      this.failures = 0;
      this.options.onWritten?.(job);
    } catch (err) {
      this.failures += 1;
      const wait = Math.min(10_000, 250 * 2 ** Math.min(this.failures, 6));
      this.logger.error({ err, retryInMs: wait }, 'checkpoint failed; resuming from the last checkpoint');
      const reset = async () => {
        this.core.reset();
        this.seeked.clear();
      };
      if (inLock) await reset();
      else await this.locked(reset);
      if (!this.stopping) await new Promise((r) => setTimeout(r, wait));
      return;
    }
    if (offsets.size > 0) {
      await this.consumer
        .commitOffsets(
          [...offsets].map(([partition, offset]) => ({ topic: this.options.topic, partition, offset: String(offset) })),
        )
        .catch((err: unknown) => this.logger.warn({ err }, 'offset commit failed (the checkpoint still covers them)'));
    }
    await this.core.evaluateSites().catch((err: unknown) => this.logger.warn({ err }, 'peer evaluation failed'));
  }

  /** Stops fetching, checkpoints what was processed, commits and leaves the group. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    if (this.quietTimer) clearTimeout(this.quietTimer);
    await this.inflight;
    await this.locked(async () => {
      this.core.tick();
      const job = this.core.prepareFlush();
      if (job) await this.writeCheckpoint(job, true);
      else await this.core.evaluateSites();
    }).catch((err: unknown) => this.logger.warn({ err }, 'final checkpoint failed'));
    await this.consumer.disconnect().catch(() => {});
    this.running = false;
  }
}
