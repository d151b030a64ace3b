import type { Reading } from '@ysh/common';
import { addReading, counterDelta, emptyWindow, type WindowAcc } from '../aggregates/window-aggregate.ts';

export interface WindowOptions {
  /** Tumbling window length (default 5 min). */
  sizeMs: number;
  /** A window closes once the device's event time passes its end plus this (default 1 min). */
  allowedLatenessMs: number;
  /** Processing time without a reading after which a device's open windows close (default 2 min). */
  idleTimeoutMs: number;
  /** How long (device event time) emitted windows stay in memory for corrections; older ones are reloaded from the store. */
  correctionCacheMs: number;
  /**
   * Count the counter delta between a window's first reading and the device's previous reading (in the window
   * before, at most one window length back) in the later window, so every Wh lands in exactly one window.
   * Off: energy is the delta between a window's own readings only.
   */
  energyAcrossBoundaries: boolean;
}

export const DEFAULT_WINDOW_OPTIONS: WindowOptions = Object.freeze({
  sizeMs: 5 * 60_000,
  allowedLatenessMs: 60_000,
  idleTimeoutMs: 2 * 60_000,
  correctionCacheMs: 2 * 3_600_000,
  energyAcrossBoundaries: false,
});

/** Window state of one device. Event time advances per device, never per partition or globally. */
export interface DeviceWindows {
  site: string;
  device: string;
  /** Largest event time seen for this device (its own watermark before lateness). */
  maxTs: number;
  /** Processing time of the latest reading. */
  lastSeenAt: number;
  open: Map<number, WindowAcc>;
  /** Start of the oldest open window (+Infinity when none): checked on every reading to see whether one closes. */
  openFrom: number;
  /** Emitted windows still in memory, kept to merge late readings into. */
  emitted: Map<number, WindowAcc>;
  /** Closed windows starting before this are not in memory: the store knows them. */
  knownFrom: number;
  /** The newest energy-counter reading (event time, Wh), for the energy of the interval into the next window. */
  lastPoint: [number, number] | null;
}

export type CloseReason = 'watermark' | 'idle' | 'late' | 'flush';

export interface WindowEmit {
  dev: DeviceWindows;
  acc: WindowAcc;
  reason: CloseReason;
  /** True when it replaces an earlier result of the same window. */
  correction: boolean;
}

export type AddOutcome = 'added' | 'duplicate' | 'lookup';

function oldestStart(open: Map<number, WindowAcc>): number {
  let oldest = Number.POSITIVE_INFINITY;
  for (const s of open.keys()) if (s < oldest) oldest = s;
  return oldest;
}

export function windowStartOf(ts: number, sizeMs: number): number {
  return Math.floor(ts / sizeMs) * sizeMs;
}

/**
 * Event-time tumbling windows per device. `add` returns 'lookup' when the
 * reading belongs to a closed window no longer in memory: the caller loads the
 * stored state (or learns there is none) through `restore`, then adds again.
 */
export class WindowManager {
  readonly options: WindowOptions;
  readonly devices = new Map<string, DeviceWindows>();

  constructor(options: Partial<WindowOptions> = {}) {
    this.options = { ...DEFAULT_WINDOW_OPTIONS, ...options };
    if (this.options.sizeMs <= 0) throw new RangeError('sizeMs: must be positive');
  }

  device(site: string, device: string): DeviceWindows {
    let dev = this.devices.get(device);
    if (!dev) {
      dev = {
        site,
        device,
        maxTs: Number.NEGATIVE_INFINITY,
        lastSeenAt: 0,
        open: new Map(),
        openFrom: Number.POSITIVE_INFINITY,
        emitted: new Map(),
        knownFrom: Number.NEGATIVE_INFINITY,
        lastPoint: null,
      };
      this.devices.set(device, dev);
    }
    return dev;
  }

  /** Window start a reading would need loaded from the store before `add`, if any. */
  needsLookup(reading: Reading, ts: number): number | undefined {
    const dev = this.devices.get(reading.device);
    if (!dev) return undefined;
    const start = windowStartOf(ts, this.options.sizeMs);
    if (start >= dev.knownFrom || dev.open.has(start) || dev.emitted.has(start)) return undefined;
    return start;
  }

  /** Puts a stored window back in memory (`acc` null: the store has none, it never existed). */
  restore(site: string, device: string, start: number, acc: WindowAcc | null): void {
    const dev = this.device(site, device);
    if (dev.open.has(start) || dev.emitted.has(start)) return;
    dev.emitted.set(start, acc ?? emptyWindow(start));
  }

  add(reading: Reading, ts: number, now: number, out: WindowEmit[]): AddOutcome {
    const { sizeMs, allowedLatenessMs } = this.options;
    const dev = this.device(reading.site, reading.device);
    const start = windowStartOf(ts, sizeMs);
    let acc = dev.open.get(start);
    if (acc) {
      if (!addReading(acc, reading, ts)) return 'duplicate';
    } else {
      acc = dev.emitted.get(start);
      if (acc) {
        // A closed window: merge and emit again (first result if it never had one).
        if (!addReading(acc, reading, ts)) return 'duplicate';
        const correction = acc.revision >= 0;
        acc.revision += 1;
        out.push({ dev, acc, reason: 'late', correction });
      } else if (start < dev.knownFrom) {
        return 'lookup';
      } else if (start + sizeMs + allowedLatenessMs <= dev.maxTs) {
        // Past its close time and never opened: emit it at once, as its first result.
        acc = emptyWindow(start);
        addReading(acc, reading, ts);
        acc.revision = 0;
        dev.emitted.set(start, acc);
        out.push({ dev, acc, reason: 'late', correction: false });
      } else {
        acc = emptyWindow(start);
        addReading(acc, reading, ts);
        dev.open.set(start, acc);
        if (start < dev.openFrom) dev.openFrom = start;
      }
    }
    this.carry(dev, acc, ts, reading.metrics.ac_energy_wh, out);
    dev.lastSeenAt = now;
    if (ts > dev.maxTs) {
      dev.maxTs = ts;
      // Hot path: most readings close nothing.
      const limit = ts - allowedLatenessMs;
      if (dev.openFrom + sizeMs <= limit) this.closeUpTo(dev, limit, 'watermark', out);
    }
    return 'added';
  }

  /**
   * Energy of the interval between a window's first reading and the device's
   * previous reading in the window before belongs to the later window. In
   * order (the normal case) it is known when the first reading arrives; a late
   * reading that falls inside such an interval splits it, and the later window
   * is corrected if it was already emitted.
   */
  private carry(dev: DeviceWindows, acc: WindowAcc, ts: number, wh: number | undefined, out: WindowEmit[]): void {
    if (typeof wh !== 'number' || !this.options.energyAcrossBoundaries) return;
    const { sizeMs } = this.options;
    const last = dev.lastPoint;
    if (last === null || ts > last[0]) {
      if (last !== null && acc.energy.ts.length === 1 && last[0] < acc.start && acc.start - last[0] <= sizeMs) {
        acc.carryWh = counterDelta(last[1], wh);
        acc.carryFromTs = last[0];
      }
      dev.lastPoint = [ts, wh];
      return;
    }
    // Late: does it fall inside the carried interval of the next window?
    const next = dev.open.get(acc.start + sizeMs) ?? dev.emitted.get(acc.start + sizeMs);
    if (!next || next.carryFromTs === null || next.carryFromTs >= ts || next.energy.ts.length === 0) return;
    if (acc.energy.ts[acc.energy.ts.length - 1] !== ts) return;
    next.carryWh = counterDelta(wh, next.energy.wh[0] as number);
    next.carryFromTs = ts;
    if (next.revision >= 0 && dev.emitted.get(next.start) === next) {
      next.revision += 1;
      out.push({ dev, acc: next, reason: 'late', correction: true });
    }
  }

  /** Processing-time close for devices that went silent. */
  tick(now: number, out: WindowEmit[]): void {
    const { idleTimeoutMs } = this.options;
    for (const dev of this.devices.values()) {
      if (dev.open.size > 0 && now - dev.lastSeenAt >= idleTimeoutMs) {
        this.closeUpTo(dev, Number.POSITIVE_INFINITY, 'idle', out);
      }
    }
  }

  /** Closes every window whose end is at or before `limit`, oldest first; evicts old emitted ones. */
  private closeUpTo(dev: DeviceWindows, limit: number, reason: CloseReason, out: WindowEmit[]): void {
    const { sizeMs, correctionCacheMs } = this.options;
    if (dev.open.size > 0) {
      const starts = [...dev.open.keys()].filter((s) => s + sizeMs <= limit).sort((a, b) => a - b);
      for (const s of starts) {
        const acc = dev.open.get(s) as WindowAcc;
        dev.open.delete(s);
        acc.revision = 0;
        dev.emitted.set(s, acc);
        out.push({ dev, acc, reason, correction: false });
      }
      dev.openFrom = oldestStart(dev.open);
    }
    const evictBefore = dev.maxTs - correctionCacheMs;
    for (const s of dev.emitted.keys()) {
      if (s + sizeMs < evictBefore) {
        dev.emitted.delete(s);
        if (s + sizeMs > dev.knownFrom) dev.knownFrom = s + sizeMs;
      }
    }
  }

  /**
   * Brings back a device from its checkpoint. Closed windows are not in
   * memory: anything before the current window asks the store first.
   */
  restoreDevice(
    cp: { site: string; device: string; maxTs: number; open: WindowAcc[]; lastPoint?: [number, number] | null },
    now: number,
  ): DeviceWindows {
    const dev = this.device(cp.site, cp.device);
    dev.maxTs = cp.maxTs;
    dev.lastPoint = cp.lastPoint ?? null;
    // Restart the idle clock: the processor was away, not the device.
    dev.lastSeenAt = now;
    dev.open = new Map(cp.open.map((w) => [w.start, w]));
    dev.openFrom = oldestStart(dev.open);
    dev.emitted = new Map();
    dev.knownFrom = Number.isFinite(cp.maxTs)
      ? windowStartOf(cp.maxTs, this.options.sizeMs) + this.options.sizeMs
      : Number.NEGATIVE_INFINITY;
    return dev;
  }

  /** Drops the in-memory state of devices (partition revoked); their checkpoint lives in the store. */
  forget(devices: Iterable<string>): void {
    for (const d of devices) this.devices.delete(d);
  }
}
