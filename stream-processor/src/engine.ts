import type { Reading } from '@ysh/common';
import { windowResult, type WindowAcc, type WindowResult } from './aggregates/window-aggregate.ts';
import { emptyHysteresis, stepHysteresis, type HysteresisState } from './alerts/hysteresis.ts';
import type { AlertTransition } from './alerts/types.ts';
import type { RulesConfig } from './rules/config.ts';
import { DEVICE_RULES } from './rules/registry.ts';
import {
  type AddOutcome,
  type DeviceWindows,
  WindowManager,
  type WindowEmit,
  type WindowOptions,
  windowStartOf,
} from './windows/window-manager.ts';

/** Rule memory of one device: hysteresis per rule plus whatever the rule keeps (e.g. its EWMA baseline). */
export type DeviceRuleState = Record<string, { h: HysteresisState; s?: unknown }>;

export interface EngineOptions {
  windows: WindowOptions;
  rules: RulesConfig;
  /** Expected reading interval, for the expected sample count and availability. */
  expectedIntervalMs: number;
}

export interface EmittedResult {
  result: WindowResult;
  /** The window's mergeable state (stored beside the result). */
  acc: WindowAcc;
  correction: boolean;
  reason: WindowEmit['reason'];
}

export interface EngineOutput {
  results: EmittedResult[];
  transitions: AlertTransition[];
}

/** A device as checkpointed: its event time, open windows, newest counter reading and rule memory. */
export interface DeviceRestore {
  site: string;
  device: string;
  maxTs: number;
  open: WindowAcc[];
  lastPoint?: [number, number] | null;
  rules: DeviceRuleState;
}

/** What a device checkpoint is taken from. */
export interface DeviceSnapshot {
  windows: DeviceWindows;
  rules: DeviceRuleState | undefined;
}

export interface EngineCounters {
  readings: number;
  duplicates: number;
  windowsClosed: number;
  corrections: number;
}

/**
 * Windows + device rules + hysteresis, synchronous and deterministic: the
 * same readings in the same per-device order give the same results and the
 * same alert transitions (with the same ids), live or replayed.
 */
export class ProcessorEngine {
  readonly windows: WindowManager;
  readonly ruleState = new Map<string, DeviceRuleState>();
  readonly counters: EngineCounters = { readings: 0, duplicates: 0, windowsClosed: 0, corrections: 0 };
  /** Devices whose state changed since `takeDirty` (to checkpoint). */
  private dirty = new Set<string>();
  private emits: WindowEmit[] = [];
  private output: EngineOutput = { results: [], transitions: [] };

  constructor(readonly options: EngineOptions) {
    this.windows = new WindowManager(options.windows);
  }

  ingest(reading: Reading, ts: number, now: number): AddOutcome {
    const outcome = this.windows.add(reading, ts, now, this.emits);
    if (outcome === 'added') {
      this.counters.readings += 1;
      this.dirty.add(reading.device);
    } else if (outcome === 'duplicate') this.counters.duplicates += 1;
    if (this.emits.length > 0) this.process();
    return outcome;
  }

  tick(now: number): void {
    this.windows.tick(now, this.emits);
    if (this.emits.length > 0) this.process();
  }

  /** Takes what was produced since the last drain. */
  drain(): EngineOutput {
    const out = this.output;
    this.output = { results: [], transitions: [] };
    return out;
  }

  private process(): void {
    const { sizeMs } = this.options.windows;
    for (const e of this.emits) {
      this.dirty.add(e.dev.device);
      const result = windowResult(e.dev.site, e.dev.device, e.acc, sizeMs, this.options.expectedIntervalMs);
      this.output.results.push({ result, acc: e.acc, correction: e.correction, reason: e.reason });
      if (e.correction) {
        this.counters.corrections += 1;
        continue;
      }
      this.counters.windowsClosed += 1;
      this.evaluate(result);
    }
    this.emits = [];
  }

  /** Device rules run on a window's first result; corrections update the sinks, not the alert history. */
  private evaluate(result: WindowResult): void {
    let state = this.ruleState.get(result.device);
    if (!state) {
      state = {};
      this.ruleState.set(result.device, state);
    }
    // Rules run most specific first; once one finds the cause (bad now, or its incident still open),
    // the vaguer ones below it are not judged for this window: one fault, one alert.
    let explained = false;
    for (const rule of DEVICE_RULES) {
      const params = rule.paramsIn(this.options.rules);
      if (!params.enabled) continue;
      let slot = state[rule.name];
      if (!slot) {
        slot = { h: emptyHysteresis() };
        state[rule.name] = slot;
      }
      const evaluated = rule.judge(result, this.options.rules, slot.s);
      if (evaluated.state !== undefined) slot.s = evaluated.state;
      const verdict = explained ? null : evaluated.verdict;
      if (verdict?.bad || slot.h.open) explained = true;
      const t = stepHysteresis(
        slot.h,
        verdict,
        result.windowStart,
        result.windowEnd,
        { site: result.site, device: result.device, rule: rule.name },
        params,
      );
      if (t) this.output.transitions.push(t);
    }
  }

  /** Window start of an event time. */
  windowStartOf(ts: number): number {
    return windowStartOf(ts, this.options.windows.sizeMs);
  }

  /** Puts a stored window back in memory for a late reading (`acc` null: the store has none). */
  restoreWindow(site: string, device: string, start: number, acc: WindowAcc | null): void {
    this.windows.restore(site, device, start, acc);
  }

  /** Brings a device back from its checkpoint (windows and rule memory). */
  restoreDevice(cp: DeviceRestore, now: number): void {
    this.windows.restoreDevice(cp, now);
    this.ruleState.set(cp.device, cp.rules);
  }

  /** A device's in-memory state, to checkpoint; undefined when it is not in memory. */
  snapshot(device: string): DeviceSnapshot | undefined {
    const windows = this.windows.devices.get(device);
    return windows ? { windows, rules: this.ruleState.get(device) } : undefined;
  }

  /** Devices whose state changed since the last call. */
  takeDirty(): string[] {
    const out = [...this.dirty];
    this.dirty.clear();
    return out;
  }

  /** Forgets everything (after a rebalance or a failed checkpoint: the store is the truth). */
  reset(): void {
    this.windows.devices.clear();
    this.ruleState.clear();
    this.dirty.clear();
    this.emits = [];
    this.output = { results: [], transitions: [] };
  }

  forget(devices: string[]): void {
    this.windows.forget(devices);
    for (const d of devices) this.ruleState.delete(d);
  }
}
