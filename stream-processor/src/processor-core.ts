import type { Reading } from '@ysh/common';
import type pg from 'pg';
import type { Logger } from 'pino';
import { AlertClock } from './alert-clock.ts';
import { applyTransitions } from './alerts/alert-store.ts';
import type { AlertTransition } from './alerts/types.ts';
import { decodeReading } from './decode.ts';
import { ProcessorError } from './errors.ts';
import { ProcessorEngine, type EmittedResult, type EngineOptions } from './engine.ts';
import type { InfluxSink } from './sinks/influx.ts';
import { SiteJudge } from './site-judge.ts';
import {
  advanceOffsets,
  claimPartitions,
  deviceRowsJson,
  loadDevices,
  saveDeviceRows,
  toCheckpoint,
  type DeviceCheckpoint,
} from './store/checkpoint-store.ts';
import { inTransaction } from './store/queryable.ts';
import { loadWindowStates, resultRowsJson, upsertResultRows } from './store/results-store.ts';

/**
 * PostgreSQL memory for the checkpoint's sorts, hashes and the transition tables of the rollup triggers
 * (about 2.4 KB per window result, so a checkpoint of 20,000 results stays in memory).
 */
const CHECKPOINT_WORK_MEM = '64MB';

/**
 * Messages folded between two yields to the event loop: a fetch brings thousands per partition, and the
 * checkpoint being written in the background (a handful of round trips to PostgreSQL) should not wait
 * for all of them at each step.
 */
const YIELD_EVERY = 1000;
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface CoreOptions {
  groupId: string;
  topic: string;
  /** Owner token of this process in the checkpoint table (unique per start). */
  instanceId: string;
  engine: EngineOptions;
  /** Outbox channels alert events are queued for. */
  channels: string[];
  /** Peer rules wait this long (processing time) for a site's missing devices before judging without them. */
  siteWaitMs: number;
  /** Devices of a site that reported within this much processing time are expected in each of its windows. */
  siteActiveHorizonMs: number;
  /** Nameplates (Wp) by device id; the registry's `devices.nameplate_dc_wp` is used otherwise. */
  nameplates: Record<string, number>;
  escalateAfterMs: number;
}

export interface CoreDeps {
  pool: pg.Pool;
  logger: Logger;
  influx?: InfluxSink;
  now?: () => number;
}

export interface MessageIn {
  offset: string;
  value: Buffer | string | null;
}

interface PartitionState {
  /** Next offset the stored checkpoint covers. */
  stored: number;
  /** Next offset processed into memory. */
  processed: number;
}

/** A checkpoint snapshot, serialized when taken. */
export interface FlushJob {
  offsets: Map<number, number>;
  results: { result: EmittedResult['result']; correction: boolean }[];
  resultRows: string | undefined;
  deviceRows: string | undefined;
  transitions: AlertTransition[];
  raw: Reading[];
  inflight: Map<string, EmittedResult>;
}

export interface CoreCounters {
  invalid: number;
  skippedReplayed: number;
  lookups: number;
  flushes: number;
  alertsOpened: number;
  alertsResolved: number;
  siteWindowsJudged: number;
}

/**
 * The processor without Kafka: owns partitions, folds their messages into the
 * engine and checkpoints results, alert changes, device state and offsets in
 * one PostgreSQL transaction. The Kafka consumer is a thin driver around it.
 * Peer rules are the site judge's (told of every stored result), alerts on
 * processing time the alert clock's; `evaluateSites`, `checkCommLoss` and
 * `escalate` hand over to them. Not re-entrant: the driver serializes calls.
 */
export class ProcessorCore {
  readonly engine: ProcessorEngine;
  readonly partitions = new Map<number, PartitionState>();
  readonly counters: CoreCounters = {
    invalid: 0,
    skippedReplayed: 0,
    lookups: 0,
    flushes: 0,
    alertsOpened: 0,
    alertsResolved: 0,
    siteWindowsJudged: 0,
  };
  private readonly devicePartition = new Map<string, number>();
  private results = new Map<string, EmittedResult>();
  private transitions: AlertTransition[] = [];
  private raw: Reading[] = [];
  /** Results of a checkpoint being written (late readings may need them before they are stored). */
  private inflight: Map<string, EmittedResult> | undefined;
  /** Peer rules per site window, once the site's results are stored. */
  readonly siteJudge: SiteJudge;
  /** Communication loss and escalation (processing time). */
  readonly alertClock: AlertClock;
  private readonly now: () => number;

  constructor(
    readonly options: CoreOptions,
    private readonly deps: CoreDeps,
  ) {
    this.engine = new ProcessorEngine(options.engine);
    this.now = deps.now ?? Date.now;
    const { groupId, engine: engineOptions, channels } = options;
    this.siteJudge = new SiteJudge(
      {
        groupId,
        rules: engineOptions.rules,
        siteWaitMs: options.siteWaitMs,
        siteActiveHorizonMs: options.siteActiveHorizonMs,
        nameplates: options.nameplates,
        channels,
      },
      deps.pool,
      this.counters,
      this.now,
    );
    this.alertClock = new AlertClock(
      { groupId, rules: engineOptions.rules, channels, escalateAfterMs: options.escalateAfterMs },
      deps.pool,
      this.counters,
      this.now,
    );
  }

  owns(partition: number): boolean {
    return this.partitions.has(partition);
  }

  /** Takes partitions over: loads their devices' checkpoints; returns the offset to resume each from. */
  async claim(partitions: number[]): Promise<Map<number, number>> {
    const { pool } = this.deps;
    const { groupId, topic, instanceId } = this.options;
    const offsets = await inTransaction(pool, (c) => claimPartitions(c, groupId, topic, partitions, instanceId));
    const devices = await loadDevices(pool, groupId, topic, partitions);
    const now = this.now();
    for (const cp of devices) this.restoreDevice(cp, now);
    for (const [p, o] of offsets) this.partitions.set(p, { stored: o, processed: o });
    await this.siteJudge.recover([...new Set(devices.map((d) => d.site))], now);
    this.deps.logger.info(
      { partitions, devices: devices.length, offsets: Object.fromEntries(offsets) },
      'partitions claimed',
    );
    return offsets;
  }

  private restoreDevice(cp: DeviceCheckpoint, now: number): void {
    this.engine.restoreDevice(cp, now);
    this.devicePartition.set(cp.device, cp.partition);
  }

  /** Forgets partitions (revoked): memory only, the checkpoint stays for the next owner. */
  release(partitions: number[]): void {
    const gone = new Set(partitions);
    const devices = [...this.devicePartition].filter(([, p]) => gone.has(p)).map(([d]) => d);
    this.engine.forget(devices);
    for (const d of devices) this.devicePartition.delete(d);
    for (const p of partitions) this.partitions.delete(p);
  }

  /** Drops everything not checkpointed; partitions must be claimed again. */
  reset(): void {
    this.engine.reset();
    this.partitions.clear();
    this.devicePartition.clear();
    this.results = new Map();
    this.inflight = undefined;
    this.transitions = [];
    this.raw = [];
  }

  /** Folds messages of one owned partition into memory (offsets below the checkpoint are skipped). */
  async process(partition: number, messages: MessageIn[]): Promise<void> {
    const part = this.partitions.get(partition);
    if (!part) throw new Error(`partition ${partition} is not claimed`);
    const now = this.now();
    const keepRaw = this.deps.influx?.options.writeRaw === true;
    for (let i = 0; i < messages.length; i++) {
      if (i > 0 && i % YIELD_EVERY === 0) await yieldToEventLoop();
      const m = messages[i] as MessageIn;
      const offset = Number(m.offset);
      if (offset < part.processed) {
        this.counters.skippedReplayed += 1;
        continue;
      }
      const d = decodeReading(m.value);
      if (!d.ok) {
        this.counters.invalid += 1;
        if (this.counters.invalid <= 10 || this.counters.invalid % 1000 === 0) {
          this.deps.logger.warn(
            { partition, offset, error: d.error, invalid: this.counters.invalid },
            'invalid reading skipped',
          );
        }
      } else {
        this.devicePartition.set(d.reading.device, partition);
        let outcome = this.engine.ingest(d.reading, d.ts, now);
        if (outcome === 'lookup') {
          await this.lookup(d.reading, d.ts);
          outcome = this.engine.ingest(d.reading, d.ts, now);
        }
        if (keepRaw && outcome === 'added') this.raw.push(d.reading);
      }
      part.processed = offset + 1;
    }
    this.collect();
  }

  /** A late reading for a window no longer in memory: take the unflushed result, else the stored state. */
  private async lookup(reading: Reading, ts: number): Promise<void> {
    this.counters.lookups += 1;
    const start = this.engine.windowStartOf(ts);
    const key = `${reading.device}@${start}`;
    const pending = this.results.get(key) ?? this.inflight?.get(key);
    if (pending) {
      this.engine.restoreWindow(reading.site, reading.device, start, pending.acc);
      return;
    }
    const stored = await loadWindowStates(this.deps.pool, [{ device: reading.device, windowStart: start }]);
    this.engine.restoreWindow(reading.site, reading.device, start, stored.get(key) ?? null);
  }

  /** Processing-time work: closes silent devices' windows. */
  tick(): void {
    this.engine.tick(this.now());
    this.collect();
  }

  private collect(): void {
    const out = this.engine.drain();
    for (const r of out.results) this.results.set(`${r.result.device}@${r.result.windowStart}`, r);
    for (const t of out.transitions) this.transitions.push(t);
  }

  /** Whether anything waits to be checkpointed. */
  get dirty(): boolean {
    if (this.results.size > 0 || this.transitions.length > 0) return true;
    for (const p of this.partitions.values()) if (p.processed > p.stored) return true;
    return false;
  }

  /** Whether results, alert changes or raw points wait to be written to the sinks. */
  get unpublished(): boolean {
    return this.results.size > 0 || this.transitions.length > 0 || this.raw.length > 0;
  }

  /**
   * Takes a consistent snapshot of everything processed so far (serialized
   * now, so processing may go on while it is written). Undefined when there is
   * nothing to write. `withState` false leaves device checkpoints and offsets
   * for a later snapshot (cheaper; results still become visible).
   */
  prepareFlush(withState = true): FlushJob | undefined {
    this.collect();
    // Without state: results and alert changes only; device checkpoints and offsets wait for the next full one
    // (a replay from the older offset rewrites the same results and re-derives the same alert ids).
    const dirtyDevices = withState ? this.engine.takeDirty() : [];
    const offsets = new Map<number, number>();
    if (withState) for (const [p, s] of this.partitions) if (s.processed > s.stored) offsets.set(p, s.processed);
    if (
      this.results.size === 0 &&
      this.transitions.length === 0 &&
      this.raw.length === 0 &&
      dirtyDevices.length === 0 &&
      offsets.size === 0
    ) {
      return undefined;
    }
    const results = [...this.results.values()];
    const checkpoints: DeviceCheckpoint[] = [];
    for (const d of dirtyDevices) {
      const snap = this.engine.snapshot(d);
      const p = this.devicePartition.get(d);
      if (snap && p !== undefined) checkpoints.push(toCheckpoint(snap.windows, p, snap.rules));
    }
    const job: FlushJob = {
      offsets,
      results: results.map((r) => ({ result: r.result, correction: r.correction })),
      resultRows: resultRowsJson(results),
      deviceRows: deviceRowsJson(checkpoints),
      transitions: this.transitions,
      raw: this.raw,
      inflight: this.results,
    };
    this.inflight = this.results;
    this.results = new Map();
    this.transitions = [];
    this.raw = [];
    return job;
  }

  /**
   * Writes a snapshot: sinks first (idempotent), then one transaction with
   * results, alert changes, device checkpoints and offsets. Returns the
   * offsets now safe to commit to Kafka. On failure the caller must `reset`.
   */
  async writeFlush(job: FlushJob): Promise<Map<number, number>> {
    const { pool, influx } = this.deps;
    const { groupId, topic, instanceId, channels } = this.options;
    try {
      // InfluxDB and PostgreSQL are written at the same time, but the transaction (which holds the offsets)
      // commits only once InfluxDB has accepted the points: a failed write rolls everything back.
      let influxError: unknown;
      const influxDone = influx
        ?.write(
          job.results.map((r) => r.result),
          job.raw,
        )
        .catch((err: unknown) => {
          influxError = err;
        });
      const applied = await inTransaction(pool, async (c) => {
        // The window_results triggers keep every changed row in transition tables: in memory, not spilled to disk.
        await c.query(`SET LOCAL work_mem = '${CHECKPOINT_WORK_MEM}'`);
        await upsertResultRows(c, job.resultRows);
        const a = await applyTransitions(c, job.transitions, channels);
        await saveDeviceRows(c, groupId, topic, job.deviceRows);
        await advanceOffsets(c, groupId, topic, job.offsets, instanceId);
        await influxDone;
        if (influxError !== undefined) {
          throw new ProcessorError('PROC_SINK_FAILED', `InfluxDB write failed: ${(influxError as Error).message}`, {
            retriable: true,
            cause: influxError,
          });
        }
        return a;
      }).catch(async (err: unknown) => {
        await influxDone;
        throw err;
      });
      this.counters.alertsOpened += applied.opened;
      this.counters.alertsResolved += applied.resolved;
    } finally {
      if (this.inflight === job.inflight) this.inflight = undefined;
    }
    this.counters.flushes += 1;
    const committed = new Map<number, number>();
    for (const [p, o] of job.offsets) {
      const s = this.partitions.get(p);
      if (s && s.stored < o) s.stored = o;
      committed.set(p, o);
    }
    this.siteJudge.stored(job.results.filter((r) => !r.correction).map((r) => r.result));
    return committed;
  }

  /** prepareFlush + writeFlush in one go; on failure memory goes back to the last checkpoint. */
  async flush(): Promise<Map<number, number>> {
    const job = this.prepareFlush();
    if (!job) return new Map();
    try {
      return await this.writeFlush(job);
    } catch (err) {
      this.reset();
      throw err;
    }
  }

  /** Peer rules on the site windows stored so far (see SiteJudge). */
  evaluateSites(): Promise<void> {
    return this.siteJudge.judge();
  }

  /** Communication loss across the whole group now (see AlertClock). */
  checkCommLoss(): Promise<AlertTransition[]> {
    return this.alertClock.checkCommLoss();
  }

  /** Escalates alerts unresolved for too long (see AlertClock). */
  escalate(): Promise<number> {
    return this.alertClock.escalate();
  }
}
