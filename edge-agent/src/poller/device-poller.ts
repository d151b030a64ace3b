import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '@ysh/common';
import { decodeModel, toContractMetrics, type DecodedModel } from '@ysh/common/sunspec';
import type { ModbusDevice } from '../config/site-config.ts';
import { ModbusExceptionError } from '../errors.ts';
import type { ModbusConnection } from '../modbus/connection.ts';
import type { Bus } from '../scheduler/bus.ts';
import type { PollLoop, SourceEvents } from '../sources/device-source.ts';
import { discoverSunSpec, type DiscoveredDevice } from '../sunspec/discovery.ts';
import { assemble, planReads, type BlockRead } from '../sunspec/read-plan.ts';
import { HealthTracker } from './health.ts';

export interface PollerOptions {
  offlineAfter: number;
  offlineProbeMs: number;
  maxRegistersPerRead: number;
  /** First retry delay; doubles per attempt (capped at the poll interval). */
  retryBackoffMs?: number;
}

/** A pause that does not keep the process alive on its own. */
const sleep = (ms: number) => delay(ms, undefined, { ref: false });

/**
 * Polls one Modbus SunSpec device on a fixed-rate schedule: discovery first,
 * then its coalesced block reads every interval. Each attempt holds the bus only
 * for its own request; retry backoff waits off the bus. A tick that comes while
 * the previous poll is still running is skipped, never queued.
 */
export class DevicePoller implements PollLoop {
  readonly device: ModbusDevice;
  readonly health: HealthTracker;
  private readonly bus: Bus<ModbusConnection>;
  private readonly events: SourceEvents;
  private readonly opts: PollerOptions;
  private readonly logger: Logger;
  private discovered: DiscoveredDevice | undefined;
  private plan: BlockRead[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private nextAt = 0;
  polls = 0;

  constructor(
    device: ModbusDevice,
    bus: Bus<ModbusConnection>,
    events: SourceEvents,
    opts: PollerOptions,
    logger: Logger,
  ) {
    this.device = device;
    this.bus = bus;
    this.events = events;
    this.opts = opts;
    this.logger = logger.child({ device: device.id });
    this.health = new HealthTracker(opts.offlineAfter);
  }

  get discovery(): DiscoveredDevice | undefined {
    return this.discovered;
  }

  get pollMs(): number {
    return this.device.pollMs;
  }

  get lastError(): string | undefined {
    return this.health.lastError;
  }

  start(initialDelayMs = 0): void {
    this.nextAt = performance.now() + initialDelayMs;
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    const now = performance.now();
    const interval =
      this.health.state === 'offline' ? Math.max(this.device.pollMs, this.opts.offlineProbeMs) : this.device.pollMs;
    if (this.nextAt < now - interval) this.nextAt = now; // fell far behind (e.g. paused): restart the grid
    const delay = Math.max(0, this.nextAt - now);
    this.timer = setTimeout(() => this.tick(interval), delay);
  }

  private tick(interval: number): void {
    this.nextAt += interval;
    if (this.running) this.events.onSkip?.(this.device.id);
    else {
      const wasOffline = this.health.state === 'offline';
      this.running = this.pollOnce().finally(() => {
        this.running = undefined;
        // The next tick was planned on the slow offline probe grid: a device that answered
        // again goes back to its own interval at once, not after another probe period.
        if (wasOffline && this.health.state !== 'offline' && !this.stopped) {
          if (this.timer) clearTimeout(this.timer);
          this.nextAt = performance.now() + this.device.pollMs;
          this.schedule();
        }
      });
    }
    this.schedule();
  }

  /** One request on the bus with this device's timeout. */
  private read = (address: number, length: number): Promise<number[]> =>
    this.bus.run(async (conn) => {
      try {
        const data = await conn.readHolding(this.device.unitId, address, length, this.device.timeoutMs);
        this.events.onRequest?.(this.device.id, 'ok');
        return data;
      } catch (err) {
        const code = (err as { code?: string }).code;
        this.events.onRequest?.(
          this.device.id,
          code === 'EDGE_MODBUS_TIMEOUT' ? 'timeout' : code === 'EDGE_MODBUS_EXCEPTION' ? 'exception' : 'io',
        );
        throw err;
      }
    });

  /** Runs `fn` with retries and exponential backoff (no retries while offline). */
  private async withRetries<T>(fn: () => Promise<T>): Promise<{ value: T; retried: boolean }> {
    const attempts = this.health.state === 'offline' ? 1 : this.device.retries + 1;
    let delay = this.opts.retryBackoffMs ?? Math.min(200, this.device.pollMs / 4);
    for (let attempt = 1; ; attempt++) {
      try {
        return { value: await fn(), retried: attempt > 1 };
      } catch (err) {
        if (attempt >= attempts || this.stopped) throw err;
        await sleep(delay);
        delay = Math.min(delay * 2, this.device.pollMs);
      }
    }
  }

  async pollOnce(): Promise<void> {
    const before = this.health.state;
    try {
      let retried = false;
      if (!this.discovered) {
        const d = await this.withRetries(() =>
          discoverSunSpec(this.read, { base: this.device.base, maxRegisters: this.opts.maxRegistersPerRead }),
        );
        this.discovered = d.value;
        this.plan = planReads(d.value.polled, this.opts.maxRegistersPerRead);
        retried = d.retried;
        this.logger.info(
          {
            base: d.value.base,
            models: d.value.chain.map((m) => m.id),
            reads: this.plan.length,
            identity: d.value.identity,
          },
          'sunspec device discovered',
        );
      }
      const blocks = await this.withRetries(() => Promise.all(this.plan.map((r) => this.read(r.address, r.length))));
      retried ||= blocks.retried;
      const models: DecodedModel[] = [];
      let partial = false;
      for (const m of (this.discovered as DiscoveredDevice).polled) {
        const regs = assemble(this.plan, blocks.value, m.address, m.size);
        const decoded = regs ? decodeModel(regs, 0) : undefined;
        if (decoded?.ok && decoded.model.id === m.id) models.push(decoded.model);
        else partial = true;
      }
      if (models.length === 0) {
        // The map changed under us (firmware update, other device on the address): discover again.
        this.discovered = undefined;
        throw new ModbusExceptionError(`${this.device.id}: polled models no longer decode`, 0);
      }
      const health = this.health.success(retried);
      this.polls++;
      if (health !== before) this.events.onHealth(this.device.id, health, before);
      this.events.onPoll?.(this.device.id);
      this.events.onSample({ device: this.device.id, metrics: toContractMetrics(models), health, partial });
    } catch (err) {
      if (this.stopped) return;
      const health = this.health.failure((err as Error).message);
      if (health !== before) {
        this.events.onHealth(this.device.id, health, before, (err as Error).message);
        this.logger.warn({ err: (err as Error).message, health }, 'device poll failed');
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
