import { createLogger } from '@ysh/common';
import { describe, expect, it } from 'vitest';
import { parseSiteConfig, type DeviceConfig } from '../config/site-config.ts';
import type { DeviceSource, PolledSource, PushedSource, SourceEvents } from '../sources/device-source.ts';
import type { BusConnection } from './bus.ts';
import { Scheduler } from './scheduler.ts';

// Every device says `transport: tcp`: what the scheduler does must follow from what each
// device's source declares (polled or pushed, its bus and that bus's limit), not from the name.
const CONFIG = parseSiteConfig(`site: site-1
gateway: { url: http://127.0.0.1:1, token: t }
defaults: { interval: 3s }
devices:
  - { id: inv-0001, transport: tcp, host: 10.0.0.1, unitId: 1 }
  - { id: inv-0002, transport: tcp, host: 10.0.0.1, unitId: 2 }
  - { id: inv-0003, transport: tcp, host: 10.0.0.2, unitId: 1 }
  - { id: dl-0001, transport: tcp, host: 10.0.0.3, unitId: 1 }
  - { id: dl-0002, transport: tcp, host: 10.0.0.3, unitId: 2 }
`);

function sources() {
  const trace: string[] = [];
  const listened: string[][] = [];
  const polled: PolledSource<DeviceConfig, BusConnection> = {
    delivery: 'polled',
    bus: (d) => {
      const key = d.id === 'inv-0003' ? 'line-b' : 'line-a';
      return {
        key,
        concurrency: 2,
        open: () => {
          trace.push(`open ${key}`);
          return { requests: 0, close: async () => void trace.push(`close ${key}`) };
        },
      };
    },
    poller: (d) => ({
      pollMs: d.pollMs,
      polls: 0,
      lastError: undefined,
      discovery: undefined,
      start: (delay) => void trace.push(`start ${d.id} +${delay}`),
      stop: async () => void trace.push(`stop ${d.id}`),
    }),
  };
  const pushed: PushedSource<DeviceConfig> = {
    delivery: 'pushed',
    listen: (devices) => {
      listened.push(devices.map((d) => d.id));
      return { start: () => void trace.push('listen'), stop: async () => void trace.push('unlisten') };
    },
  };
  const sourceOf = (d: DeviceConfig): DeviceSource => (d.id.startsWith('dl-') ? pushed : polled);
  return { trace, listened, sourceOf };
}

const events: SourceEvents = { onSample: () => undefined, onHealth: () => undefined };
const logger = createLogger('scheduler-test', { level: 'silent' });

describe('Scheduler', () => {
  it('opens one bus per key its source names, with the limit the source declares', async () => {
    const s = sources();
    const scheduler = new Scheduler(CONFIG, events, logger, s.sourceOf);
    expect([...scheduler.buses.keys()]).toEqual(['line-a', 'line-b']);
    expect(s.trace).toEqual(['open line-a', 'open line-b']);
    expect(scheduler.pollLoop('inv-0002')?.pollMs).toBe(3000);
    expect(scheduler.pollLoop('dl-0001')).toBeUndefined();

    const bus = scheduler.buses.get('line-a');
    const gates: (() => void)[] = [];
    const held = [1, 2, 3].map(() => bus?.run(() => new Promise<void>((resolve) => gates.push(resolve))));
    await new Promise((r) => setImmediate(r));
    expect(gates).toHaveLength(2); // the third request waits for a slot
    for (let i = 0; i < 3; i++) {
      gates.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(held);
    expect(bus?.maxObserved).toBe(2);
  });

  it('spreads poll starts over the interval, hands pushed devices to one listener, and stops in order', async () => {
    const s = sources();
    const scheduler = new Scheduler(CONFIG, events, logger, s.sourceOf);
    expect(s.listened).toEqual([['dl-0001', 'dl-0002']]);
    s.trace.length = 0;
    scheduler.start();
    expect(s.trace).toEqual(['start inv-0001 +0', 'start inv-0002 +1000', 'start inv-0003 +2000', 'listen']);
    s.trace.length = 0;
    await scheduler.stop();
    // Poll loops end before their buses close; the listener stops last.
    expect(s.trace).toEqual([
      'stop inv-0001',
      'stop inv-0002',
      'stop inv-0003',
      'close line-a',
      'close line-b',
      'unlisten',
    ]);
  });
});
