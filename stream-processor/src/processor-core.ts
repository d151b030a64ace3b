import type { Reading } from '@ysh/common';
import type pg from 'pg';
import type { Logger } from 'pino';
import { windowResult } from './aggregates/window-aggregate.ts';
import { applyTransitions, escalateAlerts, listAlerts } from './alerts/alert-store.ts';
import type { AlertTransition } from './alerts/types.ts';
import { decodeReading } from './decode.ts';
import { ProcessorEngine, type EmittedResult, type EngineOptions } from './engine.ts';
import { findCommLoss } from './rules/comm-loss.ts';
import { commLossTransitions, evaluatePeers, type PeerState } from './rules/peer-evaluator.ts';
import type { InfluxSink } from './sinks/influx.ts';
import {
  advanceOffsets,
  claimPartitions,
  listDevicesSeen,
  loadDevices,
  saveDevices,
  toCheckpoint,
  type DeviceCheckpoint,
} from './store/checkpoint-store.ts';
import { inTransaction, tsToMs } from './store/queryable.ts';
import { loadSiteWindow, loadWindowStates, upsertResults } from './store/results-store.ts';
import { windowStartOf } from './windows/window-manager.ts';

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
 * Not re-entrant: the driver serializes calls.
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
  /** Site windows waiting for peer evaluation → processing time first seen. */
  private readonly pendingSites = new Map<string, { site: string; windowStart: number; since: number }>();
  private readonly now: () => number;

  constructor(
    readonly options: CoreOptions,
    private readonly deps: CoreDeps,
  ) {
    this.engine = new ProcessorEngine(options.engine);
    this.now = deps.now ?? Date.now;
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
    await this.recoverPendingSites([...new Set(devices.map((d) => d.site))], now);
    this.deps.logger.info(
      { partitions, devices: devices.length, offsets: Object.fromEntries(offsets) },
      'partitions claimed',
    );
    return offsets;
  }

  /** Site windows checkpointed (by any instance, before a crash or rebalance) but not judged yet. */
  private async recoverPendingSites(sites: string[], now: number): Promise<void> {
    if (sites.length === 0) return;
    const { rows } = await this.deps.pool.query<{ site: string; window_start: Date }>(
      `SELECT DISTINCT w.site, w.window_start FROM window_results w
       LEFT JOIN processor_site_state s ON s.group_id = $1 AND s.site = w.site
       WHERE w.site = ANY($2::text[]) AND (s.last_window IS NULL OR w.window_start > s.last_window)`,
      [this.options.groupId, sites],
    );
    for (const r of rows) {
      const windowStart = tsToMs(r.window_start) as number;
      const key = `${r.site}@${windowStart}`;
      if (!this.pendingSites.has(key)) this.pendingSites.set(key, { site: r.site, windowStart, since: now });
    }
  }

  private restoreDevice(cp: DeviceCheckpoint, now: number): void {
    this.engine.windows.restoreDevice(cp, now);
    this.engine.ruleState.set(cp.device, cp.rules);
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
    this.results.clear();
    this.transitions = [];
    this.raw = [];
  }

  /** Folds messages of one owned partition into memory (offsets below the checkpoint are skipped). */
  async process(partition: number, messages: MessageIn[]): Promise<void> {
    const part = this.partitions.get(partition);
    if (!part) throw new Error(`partition ${partition} is not claimed`);
    const now = this.now();
    const keepRaw = this.deps.influx?.options.writeRaw === true;
    for (const m of messages) {
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
    const start = windowStartOf(ts, this.options.engine.windows.sizeMs);
    const key = `${reading.device}@${start}`;
    const pending = this.results.get(key);
    if (pending) {
      this.engine.windows.restore(reading.site, reading.device, start, pending.acc);
      return;
    }
    const stored = await loadWindowStates(this.deps.pool, [{ device: reading.device, windowStart: start }]);
    this.engine.windows.restore(reading.site, reading.device, start, stored.get(key) ?? null);
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

  /**
   * Makes everything processed so far durable: sinks first (idempotent), then
   * one transaction with results, alert changes, device checkpoints and
   * offsets. Returns the offsets now safe to commit to Kafka. On failure the
   * memory is reset to the last checkpoint and the error rethrown.
   */
  async flush(): Promise<Map<number, number>> {
    const committed = new Map<number, number>();
    this.collect();
    const dirtyDevices = this.engine.takeDirty();
    const offsets = new Map<number, number>();
    for (const [p, s] of this.partitions) if (s.processed > s.stored) offsets.set(p, s.processed);
    if (this.results.size === 0 && this.transitions.length === 0 && dirtyDevices.length === 0 && offsets.size === 0) {
      return committed;
    }
    const results = [...this.results.values()];
    const transitions = this.transitions;
    const checkpoints: DeviceCheckpoint[] = [];
    for (const d of dirtyDevices) {
      const dev = this.engine.windows.devices.get(d);
      const p = this.devicePartition.get(d);
      if (dev && p !== undefined) checkpoints.push(toCheckpoint(dev, p, this.engine.ruleState.get(d)));
    }
    const { pool, influx } = this.deps;
    const { groupId, topic, instanceId, channels } = this.options;
    try {
      await influx?.write(
        results.map((r) => r.result),
        this.raw,
      );
      const applied = await inTransaction(pool, async (c) => {
        await upsertResults(c, results);
        const a = await applyTransitions(c, transitions, channels);
        await saveDevices(c, groupId, topic, checkpoints);
        await advanceOffsets(c, groupId, topic, offsets, instanceId);
        return a;
      });
      this.counters.alertsOpened += applied.opened;
      this.counters.alertsResolved += applied.resolved;
    } catch (err) {
      this.reset();
      throw err;
    }
    this.counters.flushes += 1;
    for (const [p, o] of offsets) {
      const s = this.partitions.get(p);
      if (s) s.stored = o;
      committed.set(p, o);
    }
    const now = this.now();
    for (const r of results) {
      if (r.correction) continue;
      const key = `${r.result.site}@${r.result.windowStart}`;
      if (!this.pendingSites.has(key)) {
        this.pendingSites.set(key, { site: r.result.site, windowStart: r.result.windowStart, since: now });
      }
    }
    this.results = new Map();
    this.transitions = [];
    this.raw = [];
    return committed;
  }

  /**
   * Peer rules per site window, once every device expected in it has stored
   * its result (or after `siteWaitMs`). A row lock on the site's state makes
   * one instance judge each site window, in window order.
   */
  async evaluateSites(): Promise<void> {
    const now = this.now();
    const { pool } = this.deps;
    const { groupId, siteWaitMs, engine, nameplates, channels } = this.options;
    const due = [...this.pendingSites.entries()].sort((a, b) => a[1].windowStart - b[1].windowStart);
    const blocked = new Set<string>();
    for (const [key, p] of due) {
      // Strict window order per site: a window waiting for a device holds back the later ones.
      if (blocked.has(p.site)) continue;
      const done = await inTransaction(pool, async (c) => {
        await c.query(
          'INSERT INTO processor_site_state (group_id, site) VALUES ($1, $2) ON CONFLICT (group_id, site) DO NOTHING',
          [groupId, p.site],
        );
        const { rows } = await c.query<{ last_window: Date | null; state: Record<string, unknown> }>(
          'SELECT last_window, state FROM processor_site_state WHERE group_id = $1 AND site = $2 FOR UPDATE',
          [groupId, p.site],
        );
        const last = tsToMs(rows[0]?.last_window ?? null);
        if (last !== null && last >= p.windowStart) return true;
        const stored = await loadSiteWindow(c, p.site, p.windowStart);
        if (now - p.since < siteWaitMs) {
          const { rows: expected } = await c.query<{ device: string }>(
            `SELECT device FROM processor_devices WHERE group_id = $1 AND site = $2 AND last_seen_at >= to_timestamp($3)
             UNION SELECT id FROM devices WHERE site_id = $2`,
            [groupId, p.site, (now - this.options.siteActiveHorizonMs) / 1000],
          );
          const have = new Set(stored.map((s) => s.device));
          if (expected.some((e) => !have.has(e.device))) return false;
        }
        const contexts = stored.map((s) => ({
          result: windowResult(p.site, s.device, s.acc, engine.windows.sizeMs, engine.expectedIntervalMs),
          nameplateWp: nameplates[s.device] ?? s.nameplateWp,
        }));
        const state: PeerState = new Map(Object.entries((rows[0]?.state ?? {}) as Record<string, never>));
        const transitions = evaluatePeers(contexts, engine.rules, state);
        const applied = await applyTransitions(c, transitions, channels);
        this.counters.alertsOpened += applied.opened;
        this.counters.alertsResolved += applied.resolved;
        await c.query(
          `UPDATE processor_site_state SET last_window = to_timestamp($3), state = $4::jsonb, updated_at = now()
           WHERE group_id = $1 AND site = $2`,
          [groupId, p.site, p.windowStart / 1000, JSON.stringify(Object.fromEntries(state))],
        );
        this.counters.siteWindowsJudged += 1;
        return true;
      });
      if (done) this.pendingSites.delete(key);
      else blocked.add(p.site);
    }
  }

  /** Communication loss across the whole group (processing time), one site-level alert for a silent site. */
  async checkCommLoss(): Promise<AlertTransition[]> {
    const rules = this.options.engine.rules;
    if (!rules.comm_loss.enabled) return [];
    const now = this.now();
    const { pool } = this.deps;
    return inTransaction(pool, async (c) => {
      const seen = await listDevicesSeen(c, this.options.groupId);
      const findings = findCommLoss(seen, now, rules.comm_loss);
      const open = (await listAlerts(c, { state: 'unresolved', rule: 'comm_loss' })).map((a) => ({
        id: a.id,
        site: a.site,
        ...(a.device === null ? {} : { device: a.device }),
        since: a.since,
      }));
      const transitions = commLossTransitions(findings, open, now, rules);
      const applied = await applyTransitions(c, transitions, this.options.channels);
      this.counters.alertsOpened += applied.opened;
      this.counters.alertsResolved += applied.resolved;
      return transitions;
    });
  }

  async escalate(): Promise<number> {
    const out = await escalateAlerts(this.deps.pool, this.options.escalateAfterMs, this.options.channels, this.now());
    return out.length;
  }
}
