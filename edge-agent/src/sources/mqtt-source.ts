import type { Logger } from '@ysh/common';
import { connect, type MqttClient } from 'mqtt';
import type { MqttDevice } from '../config/site-config.ts';
import { HealthTracker, type DeviceHealth } from '../poller/health.ts';
import type { DeviceListener, PushedSource, SourceEvents } from './device-source.ts';

function pick(payload: unknown, path: string): unknown {
  let cur: unknown = payload;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** Maps one JSON payload of an MQTT-native device to metrics; unparseable input gives undefined. */
export function mapPayload(
  device: MqttDevice,
  text: string,
): { metrics: Record<string, number>; partial: boolean; deviceTs?: number } | undefined {
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (payload === null || typeof payload !== 'object') return undefined;
  const metrics: Record<string, number> = {};
  let partial = false;
  for (const [metric, path] of Object.entries(device.mapping)) {
    const v = pick(payload, path);
    if (typeof v === 'number' && Number.isFinite(v)) metrics[metric] = v;
    else partial = true;
  }
  if (Object.keys(metrics).length === 0) return undefined;
  let deviceTs: number | undefined;
  if (device.tsPath) {
    const t = pick(payload, device.tsPath);
    deviceTs = typeof t === 'number' ? t : typeof t === 'string' ? Date.parse(t) : undefined;
    if (deviceTs !== undefined && Number.isNaN(deviceTs)) deviceTs = undefined;
  }
  return deviceTs === undefined ? { metrics, partial } : { metrics, partial, deviceTs };
}

/**
 * Devices that publish their own readings over MQTT: one subscription per
 * device topic (one client per broker). A device that stays silent for three
 * of its intervals is offline. Malformed payloads are counted and ignored.
 */
export class MqttDeviceListener implements DeviceListener {
  private readonly clients = new Map<string, MqttClient>();
  private readonly devices: MqttDevice[];
  private readonly health = new Map<string, HealthTracker>();
  private readonly lastSeen = new Map<string, number>();
  private watchdog: NodeJS.Timeout | undefined;
  malformed = 0;

  constructor(
    devices: MqttDevice[],
    private readonly events: SourceEvents,
    private readonly logger: Logger,
  ) {
    this.devices = devices;
  }

  healthOf(device: string): DeviceHealth | undefined {
    return this.health.get(device)?.state;
  }

  start(): void {
    const byBroker = new Map<string, MqttDevice[]>();
    for (const d of this.devices) {
      this.health.set(d.id, new HealthTracker(1));
      this.lastSeen.set(d.id, performance.now());
      const key = `${d.broker}|${d.username ?? ''}`;
      byBroker.set(key, [...(byBroker.get(key) ?? []), d]);
    }
    for (const [key, list] of byBroker) {
      const first = list[0] as MqttDevice;
      const client = connect(first.broker, {
        ...(first.username ? { username: first.username } : {}),
        ...(first.password ? { password: first.password } : {}),
        reconnectPeriod: 1000,
      });
      client.on('error', (err) =>
        this.logger.debug({ err: err.message, broker: first.broker }, 'mqtt device source error'),
      );
      client.on('connect', () => {
        for (const d of list) client.subscribe(d.topic, { qos: 1 });
      });
      client.on('message', (topic, payload) => {
        for (const d of list) if (d.topic === topic) this.handle(d, payload.toString('utf8'));
      });
      this.clients.set(key, client);
    }
    this.watchdog = setInterval(() => this.checkSilence(), 500);
  }

  private handle(device: MqttDevice, text: string): void {
    const mapped = mapPayload(device, text);
    if (!mapped) {
      this.malformed++;
      return;
    }
    this.lastSeen.set(device.id, performance.now());
    const tracker = this.health.get(device.id) as HealthTracker;
    const prev = tracker.state;
    const h = tracker.success(false);
    if (h !== prev) this.events.onHealth(device.id, h, prev);
    this.events.onSample({
      device: device.id,
      metrics: mapped.metrics,
      health: h,
      partial: mapped.partial,
      ...(mapped.deviceTs === undefined ? {} : { deviceTs: mapped.deviceTs }),
    });
  }

  private checkSilence(): void {
    const now = performance.now();
    for (const d of this.devices) {
      const tracker = this.health.get(d.id) as HealthTracker;
      if (now - (this.lastSeen.get(d.id) ?? now) > 3 * d.pollMs && tracker.state !== 'offline') {
        const prev = tracker.state;
        tracker.failure('silent for three intervals');
        tracker.state = 'offline';
        this.events.onHealth(d.id, 'offline', prev);
      }
    }
  }

  async stop(): Promise<void> {
    if (this.watchdog) clearInterval(this.watchdog);
    await Promise.all([...this.clients.values()].map((c) => c.endAsync().catch(() => undefined)));
    this.clients.clear();
  }
}

/** Devices that push JSON readings to an MQTT broker themselves. */
export const mqttSource: PushedSource<MqttDevice> = {
  delivery: 'pushed',
  listen: (devices, events, logger) => new MqttDeviceListener(devices, events, logger),
};
