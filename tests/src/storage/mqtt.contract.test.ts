import { startEmbeddedMqtt, type EmbeddedMqtt } from '@ysh/embedded';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceUrl } from '@ysh/test-helpers';

const mosquittoUrl = serviceUrl('mqtt');
let embedded: EmbeddedMqtt | undefined;

const KINDS: Array<{ kind: string; enabled: boolean; url: () => string }> = [
  { kind: 'embedded aedes', enabled: true, url: () => (embedded as EmbeddedMqtt).url },
  { kind: 'Mosquitto', enabled: mosquittoUrl !== undefined, url: () => mosquittoUrl as string },
];

beforeAll(async () => {
  embedded = await startEmbeddedMqtt({ port: 0 });
});
afterAll(async () => {
  await embedded?.close();
});

const unique = () => `ysh-test/${Math.random().toString(36).slice(2, 10)}`;

function collect(
  client: mqtt.MqttClient,
  count: number,
): Promise<Array<{ topic: string; payload: string; qos: number }>> {
  return new Promise((resolve) => {
    const got: Array<{ topic: string; payload: string; qos: number }> = [];
    client.on('message', (topic, payload, packet) => {
      got.push({ topic, payload: payload.toString(), qos: packet.qos });
      if (got.length === count) resolve(got);
    });
  });
}

for (const target of KINDS) {
  describe.skipIf(!target.enabled)(`MQTT contract on ${target.kind}`, () => {
    it('delivers QoS 1 publishes to a wildcard subscriber, in order, with the publisher acknowledged', async () => {
      const base = unique();
      const sub = await mqtt.connectAsync(target.url(), { clean: true });
      const pub = await mqtt.connectAsync(target.url(), { clean: true });
      await sub.subscribeAsync(`${base}/+/telemetry`, { qos: 1 });
      const received = collect(sub, 3);
      // publishAsync resolves on the broker's PUBACK for QoS 1.
      for (let i = 0; i < 3; i++)
        await pub.publishAsync(`${base}/site-${i}/telemetry`, JSON.stringify({ i }), { qos: 1 });
      expect(await received).toEqual(
        [0, 1, 2].map((i) => ({ topic: `${base}/site-${i}/telemetry`, payload: JSON.stringify({ i }), qos: 1 })),
      );
      await sub.endAsync();
      await pub.endAsync();
    });

    it('keeps a retained message for a later subscriber', async () => {
      const topic = `${unique()}/state`;
      const pub = await mqtt.connectAsync(target.url());
      await pub.publishAsync(topic, 'online', { qos: 1, retain: true });
      const sub = await mqtt.connectAsync(target.url());
      const received = collect(sub, 1);
      await sub.subscribeAsync(topic, { qos: 1 });
      expect((await received)[0]?.payload).toBe('online');
      await pub.publishAsync(topic, '', { qos: 1, retain: true });
      await sub.endAsync();
      await pub.endAsync();
    });

    it('queues QoS 1 messages for a persistent session that was offline', async () => {
      const topic = `${unique()}/q`;
      const clientId = `ysh-test-${Math.random().toString(36).slice(2, 8)}`;
      const first = await mqtt.connectAsync(target.url(), { clientId, clean: false });
      await first.subscribeAsync(topic, { qos: 1 });
      await first.endAsync();
      const pub = await mqtt.connectAsync(target.url());
      await pub.publishAsync(topic, 'while-away', { qos: 1 });
      const second = mqtt.connect(target.url(), { clientId, clean: false });
      const received = collect(second, 1);
      expect((await received)[0]?.payload).toBe('while-away');
      await second.endAsync();
      await pub.endAsync();
    });
  });
}

describe('embedded MQTT with credentials', () => {
  let broker: EmbeddedMqtt;
  beforeAll(async () => {
    broker = await startEmbeddedMqtt({
      port: 0,
      authenticate: async (username, password) =>
        username === 'site-sp-001' && password === 'good-token'
          ? { id: 'site-sp-001', publish: ['ysh/site-sp-001/telemetry'], subscribe: [] }
          : username === 'gateway' && password === 'internal'
            ? { id: 'gateway', publish: [], subscribe: ['ysh/+/telemetry'] }
            : null,
    });
  });
  afterAll(async () => {
    await broker.close();
  });

  it('refuses bad credentials with "bad username or password"', async () => {
    await expect(
      mqtt.connectAsync(broker.url, { username: 'site-sp-001', password: 'wrong', reconnectPeriod: 0 }),
    ).rejects.toThrow(/Bad username or password/i);
    await expect(mqtt.connectAsync(broker.url, { reconnectPeriod: 0 })).rejects.toThrow(/Bad username or password/i);
  });

  it('delivers a site publish only on its own topic', async () => {
    const gw = await mqtt.connectAsync(broker.url, { username: 'gateway', password: 'internal' });
    await gw.subscribeAsync('ysh/+/telemetry', { qos: 1 });
    const received = collect(gw, 1);
    const site = await mqtt.connectAsync(broker.url, { username: 'site-sp-001', password: 'good-token' });
    // Another site's topic: aedes drops the publish and closes the connection; nothing reaches the gateway.
    site.publish('ysh/site-rj-002/telemetry', 'forged', { qos: 0 });
    const site2 = await mqtt.connectAsync(broker.url, { username: 'site-sp-001', password: 'good-token' });
    await site2.publishAsync('ysh/site-sp-001/telemetry', 'genuine', { qos: 1 });
    expect(await received).toEqual([{ topic: 'ysh/site-sp-001/telemetry', payload: 'genuine', qos: 1 }]);
    site.end(true);
    await site2.endAsync();
    await gw.endAsync();
  });

  it('refuses a subscription outside the principal rights', async () => {
    const site = await mqtt.connectAsync(broker.url, { username: 'site-sp-001', password: 'good-token' });
    // SUBACK failure code 0x80, which mqtt.js reports as a subscribe error; the connection stays usable.
    await expect(site.subscribeAsync('ysh/+/telemetry', { qos: 1 })).rejects.toThrow(/Subscribe error/);
    expect(site.connected).toBe(true);
    await site.publishAsync('ysh/site-sp-001/telemetry', 'still-connected', { qos: 1 });
    await site.endAsync();
  });
});
