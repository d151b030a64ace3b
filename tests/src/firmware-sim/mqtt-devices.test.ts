import { MPPT_METRIC_PATTERN, METRIC_NAMES } from '@ysh/common';
import { startEmbeddedMqtt, type EmbeddedMqtt } from '@ysh/embedded';
import { startSimulator, type MqttReading, type Simulator } from '@ysh/firmware-sim';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceUrl } from '@ysh/test-helpers';

const START = Date.parse('2026-11-21T15:00:00Z');

interface Received {
  topic: string;
  reading: MqttReading;
}

async function collect(url: string, filter: string): Promise<{ messages: Received[]; close(): Promise<void> }> {
  const client = await mqtt.connectAsync(url);
  const messages: Received[] = [];
  client.on('message', (topic, payload) =>
    messages.push({ topic, reading: JSON.parse(payload.toString()) as MqttReading }),
  );
  await client.subscribeAsync(filter);
  return { messages, close: () => client.endAsync() };
}

const until = async (cond: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
};

function mqttSuite(name: string, brokerUrl: () => Promise<{ url: string; close(): Promise<void> }>) {
  describe(name, () => {
    let broker: { url: string; close(): Promise<void> };
    let sim: Simulator;
    let sub: Awaited<ReturnType<typeof collect>>;
    const prefix = `ysh-sim-test-${process.pid}-${Math.floor(Math.random() * 1e6)}`;

    beforeAll(async () => {
      broker = await brokerUrl();
      sub = await collect(broker.url, `${prefix}/#`);
      sim = await startSimulator({
        devices: 1,
        mqttDevices: 3,
        port: 0,
        seed: 5,
        speed: 60,
        start: START,
        mqtt: { url: broker.url, periodMs: 10_000, topicPrefix: prefix },
      });
    });
    afterAll(async () => {
      await sim?.close();
      await sub?.close();
      await broker?.close();
    });

    const from = (id: string) => sub.messages.filter((m) => m.reading.deviceId === id);

    it('publishes JSON readings per device on its own topic with contract metric names', async () => {
      await until(() => from('inv-0002').length >= 3 && from('inv-0004').length >= 3);
      const info = sim.devices.find((d) => d.id === 'inv-0002')!;
      expect(info.protocol).toBe('mqtt');
      expect(info.topic).toBe(`${prefix}/site-sp-001/inv-0002/readings`);
      const msgs = from('inv-0002');
      for (const m of msgs) {
        expect(m.topic).toBe(info.topic);
        for (const key of Object.keys(m.reading.metrics)) {
          expect(METRIC_NAMES.includes(key as never) || new RegExp(MPPT_METRIC_PATTERN).test(key), key).toBe(true);
        }
      }
      expect(msgs.map((m) => m.reading.counter)).toEqual(msgs.map((_, i) => i + 1));
      const ts = msgs.map((m) => Date.parse(m.reading.timestamp));
      for (let i = 1; i < ts.length; i++) expect(ts[i]! - ts[i - 1]!).toBeGreaterThanOrEqual(6_000);
      expect(msgs[0]!.reading.metrics.ac_power_w).toBeGreaterThan(1000);
      expect(from('inv-0001')).toHaveLength(0); // the Modbus device does not publish
    });

    it('clock-skew: the device stamps readings an hour behind while its peers stay on time', async () => {
      sim.injectFault('inv-0003', { type: 'clock-skew', skewMs: -3_600_000 });
      const n = from('inv-0003').length;
      await until(() => from('inv-0003').length >= n + 2);
      const skewed = Date.parse(from('inv-0003').at(-1)!.reading.timestamp);
      const peer = Date.parse(from('inv-0004').at(-1)!.reading.timestamp);
      expect(peer - skewed).toBeGreaterThan(3_500_000);
      expect(peer - skewed).toBeLessThan(3_700_000);
      sim.clearFault('inv-0003', 'clock-skew');
    });

    it('comm-loss: the device goes silent while the others keep publishing; frozen-values repeats its metrics', async () => {
      sim.injectFault('inv-0004', { type: 'comm-loss' });
      sim.injectFault('inv-0002', { type: 'frozen-values' });
      await new Promise((r) => setTimeout(r, 100));
      const silentFrom = from('inv-0004').length;
      const frozenFrom = from('inv-0002').length;
      await until(() => from('inv-0002').length >= frozenFrom + 4);
      expect(from('inv-0004').length).toBe(silentFrom);
      const frozen = from('inv-0002').slice(frozenFrom);
      for (const m of frozen) expect(m.reading.metrics).toEqual(frozen[0]!.reading.metrics);
      expect(new Set(frozen.map((m) => m.reading.timestamp)).size).toBe(frozen.length);
      sim.clearFault('inv-0004', 'comm-loss');
      await until(() => from('inv-0004').length > silentFrom);
    });
  });
}

mqttSuite('MQTT-native devices on the embedded broker (aedes)', async () => {
  const b: EmbeddedMqtt = await startEmbeddedMqtt({ port: 0 });
  return { url: b.url, close: () => b.close() };
});

describe.skipIf(!serviceUrl('mqtt'))('on Mosquitto', () => {
  mqttSuite('MQTT-native devices on Mosquitto', async () => ({ url: serviceUrl('mqtt')!, close: async () => {} }));
});
