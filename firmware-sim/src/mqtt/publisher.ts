import type { Logger } from '@ysh/common';
import mqtt from 'mqtt';
import type { SimClock } from '../clock.ts';
import type { SimulatedDevice } from '../device/simulated-device.ts';

/**
 * MQTT-native devices: each publishes one JSON reading per `periodMs` of
 * simulated time to `<prefix>/<site>/<device>/readings` (QoS 0).
 *
 * Payload: { "deviceId", "timestamp" (ISO, simulated clock + any clock skew),
 *            "counter" (per-device message number from 1), "metrics": { contract v1 names } }
 */
export interface MqttPublisher {
  topicOf(deviceId: string): string;
  published(): number;
  close(): Promise<void>;
}

export interface MqttReading {
  deviceId: string;
  timestamp: string;
  counter: number;
  metrics: Record<string, number>;
}

export async function startMqttPublisher(options: {
  url: string;
  periodMs: number;
  topicPrefix: string;
  devices: SimulatedDevice[];
  clock: SimClock;
  logger: Logger | undefined;
}): Promise<MqttPublisher> {
  const client = await mqtt.connectAsync(options.url, {
    clientId: `ysh-sim-${process.pid}-${Math.floor(Math.random() * 1e9)}`,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
  });
  client.on('error', (err) => options.logger?.warn({ err: err.message }, 'mqtt error'));
  const topicOf = (id: string) => {
    const d = options.devices.find((x) => x.spec.id === id);
    return `${options.topicPrefix}/${d?.spec.site.id ?? 'site'}/${id}/readings`;
  };
  const counters = new Map<string, number>();
  const frozen = new Map<string, Record<string, number>>();
  const nextAt = new Map<string, number>();
  const start = options.clock.now();
  for (const d of options.devices) nextAt.set(d.spec.id, start);
  let published = 0;
  const timers = new Set<NodeJS.Timeout>();

  const publishOne = (d: SimulatedDevice, now: number) => {
    if (d.hasFault('comm-loss')) return;
    const truth = d.truth(now);
    let metrics = truth.metrics;
    if (d.hasFault('frozen-values')) {
      metrics = frozen.get(d.spec.id) ?? metrics;
      frozen.set(d.spec.id, metrics);
    } else frozen.delete(d.spec.id);
    const skewMs = d.skewMs();
    const counter = (counters.get(d.spec.id) ?? 0) + 1;
    counters.set(d.spec.id, counter);
    const reading: MqttReading = {
      deviceId: d.spec.id,
      timestamp: new Date(Date.parse(truth.ts) + skewMs).toISOString(),
      counter,
      metrics,
    };
    const send = () => {
      published++;
      client.publish(topicOf(d.spec.id), JSON.stringify(reading), { qos: 0 }, () => {});
    };
    const slow = d.hasFault('slow-response');
    if (slow?.type === 'slow-response' && slow.delayMs > 0) {
      const t = setTimeout(() => {
        timers.delete(t);
        send();
      }, slow.delayMs);
      timers.add(t);
    } else send();
  };

  // A wall-clock tick checks which devices are due on the simulated clock.
  const tick = setInterval(() => {
    const now = options.clock.now();
    for (const d of options.devices) {
      const due = nextAt.get(d.spec.id) ?? now;
      if (now < due) continue;
      publishOne(d, now);
      // Skip missed periods instead of bursting after a stall.
      nextAt.set(
        d.spec.id,
        Math.max(due + options.periodMs, now - ((now - due) % options.periodMs) + options.periodMs),
      );
    }
  }, 20);

  return {
    topicOf,
    published: () => published,
    async close() {
      clearInterval(tick);
      for (const t of timers) clearTimeout(t);
      await client.endAsync();
    },
  };
}
