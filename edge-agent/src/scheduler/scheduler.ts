import type { Logger } from '@ysh/common';
import type { DeviceConfig, SiteConfig } from '../config/site-config.ts';
import type { DeviceListener, DeviceSource, PollLoop, PushedSource, SourceEvents } from '../sources/device-source.ts';
import { sourceOf as registered } from '../sources/registry.ts';
import { Bus } from './bus.ts';

/**
 * Runs every configured device through its protocol's source, by what the
 * source can do rather than what it is called: a polled device gets a poll
 * loop on its bus (one connection and one request limit per bus, as the source
 * declares it), start times spread over the interval so a site's devices do not
 * all hit their bus at the same instant; pushed devices go to their source's
 * listener, one per source.
 */
export class Scheduler {
  readonly buses = new Map<string, Bus>();
  private readonly loops = new Map<string, PollLoop>();
  private readonly listeners: DeviceListener[] = [];

  constructor(
    config: SiteConfig,
    events: SourceEvents,
    logger: Logger,
    sourceOf: (device: DeviceConfig) => DeviceSource = registered,
  ) {
    const pushed = new Map<PushedSource<DeviceConfig>, DeviceConfig[]>();
    for (const d of config.devices) {
      const source = sourceOf(d);
      if (source.delivery === 'pushed') {
        pushed.set(source, [...(pushed.get(source) ?? []), d]);
        continue;
      }
      const spec = source.bus(d, config);
      let bus = this.buses.get(spec.key);
      if (!bus) {
        bus = new Bus(spec.key, spec.open(logger), spec.concurrency);
        this.buses.set(spec.key, bus);
      }
      this.loops.set(d.id, source.poller(d, bus, events, config, logger));
    }
    for (const [source, devices] of pushed) this.listeners.push(source.listen(devices, events, logger));
  }

  /** The poll loop of a polled device (undefined for pushed devices). */
  pollLoop(device: string): PollLoop | undefined {
    return this.loops.get(device);
  }

  start(): void {
    const list = [...this.loops.values()];
    list.forEach((p, i) => {
      p.start((p.pollMs * i) / Math.max(1, list.length));
    });
    for (const l of this.listeners) l.start();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.loops.values()].map((p) => p.stop()));
    await Promise.all([...this.buses.values()].map((b) => b.connection.close()));
    await Promise.all(this.listeners.map((l) => l.stop()));
  }
}
