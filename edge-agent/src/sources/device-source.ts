import type { Logger } from '@ysh/common';
import type { DeviceConfig, SiteConfig } from '../config/site-config.ts';
import type { RawSample } from '../normalize/normalizer.ts';
import type { DeviceHealth } from '../poller/health.ts';
import type { Bus, BusConnection } from '../scheduler/bus.ts';
import type { DiscoveredDevice } from '../sunspec/discovery.ts';

/**
 * A device protocol plugs in here. A source says how its devices' readings
 * arrive, and the scheduler works from that alone, never from the protocol's
 * name:
 *
 * - `polled`: the device answers requests. The source names the bus each
 *   device is on (devices with one key share one connection) and how many
 *   requests that bus carries at once; the scheduler opens each bus once and
 *   runs one poll loop per device on it, start times spread over the interval.
 * - `pushed`: the device sends on its own. The scheduler hands all of the
 *   protocol's devices to one listener and only starts and stops it.
 *
 * A new protocol is one file implementing one of these, its device type and
 * parsing in config/site-config.ts, and its line in sources/registry.ts.
 */
export type DeviceSource<D extends DeviceConfig = DeviceConfig> = PolledSource<D> | PushedSource<D>;

/** What sources report; the agent turns it into readings, health and metrics. */
export interface SourceEvents {
  /** One reading's values from a device, before normalization. */
  onSample(sample: RawSample): void;
  onHealth(device: string, health: DeviceHealth, previous: DeviceHealth, error?: string): void;
  /** A polled device completed a poll. */
  onPoll?(device: string): void;
  /** One request on a bus, and how it ended. */
  onRequest?(device: string, outcome: 'ok' | 'timeout' | 'exception' | 'io'): void;
  /** A polled device's tick came while its previous poll was still running (skipped, not queued). */
  onSkip?(device: string): void;
}

/** The bus a polled device is on. */
export interface BusSpec<C extends BusConnection = BusConnection> {
  /** Devices with the same key share one bus (e.g. a serial path, a host:port). */
  key: string;
  /** Requests in flight at once on this bus. */
  concurrency: number;
  /** Opens the bus's connection (called once per bus, for its first device). */
  open(logger: Logger): C;
}

/** One polled device's loop, as the scheduler and the agent see it. */
export interface PollLoop {
  readonly pollMs: number;
  /** Completed polls. */
  readonly polls: number;
  readonly lastError: string | undefined;
  /** What the device said about itself (its SunSpec map), once known. */
  readonly discovery: DiscoveredDevice | undefined;
  start(initialDelayMs: number): void;
  stop(): Promise<void>;
}

export interface PolledSource<D extends DeviceConfig, C extends BusConnection = BusConnection> {
  readonly delivery: 'polled';
  bus(device: D, config: SiteConfig): BusSpec<C>;
  poller(device: D, bus: Bus<C>, events: SourceEvents, config: SiteConfig, logger: Logger): PollLoop;
}

/** The running side of a pushed source: all of its devices at once. */
export interface DeviceListener {
  start(): void;
  stop(): Promise<void>;
}

export interface PushedSource<D extends DeviceConfig> {
  readonly delivery: 'pushed';
  listen(devices: D[], events: SourceEvents, logger: Logger): DeviceListener;
}
