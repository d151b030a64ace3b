import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import fc from 'fast-check';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DlqRecord } from '@ysh/gateway';
import { hasTool, serviceUrl, sleep, waitFor } from '@ysh/test-helpers';
import { batch, type Harness, reading, readTopic, siteWithToken, startHarness, TOPICS } from './harness.ts';

const run = promisify(execFile);

async function storedFor(h: Harness, site: string, expected: number) {
  return waitFor(`${expected} readings of ${site}`, async () => {
    const rows = (await readTopic(h.broker.brokers, TOPICS.telemetry)).filter((m) =>
      m.value.includes(`"site":"${site}"`),
    );
    return rows.length >= expected ? rows : undefined;
  });
}

async function publishWith(url: string, options: mqtt.IClientOptions, topic: string, payload: string | Buffer) {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, ...options });
  try {
    await client.publishAsync(topic, payload, { qos: 1 });
  } finally {
    await client.endAsync();
  }
}

const mqttCount = async (h: Harness) =>
  (await h.gateway.metrics.mqttMessages.get()).values.reduce((s, v) => s + v.value, 0);

describe('MQTT on the embedded broker with site tokens', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      YSH_GATEWAY_MQTT: 'embedded',
      YSH_GATEWAY_MQTT_CLEAN: 'true',
      YSH_GATEWAY_MQTT_CLIENT_ID: `gw-test-${randomBytes(4).toString('hex')}`,
    });
    await h.gateway.mqttBridge?.ready;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('stores a QoS 1 batch published with the mqtt library', async () => {
    const token = await siteWithToken(h.gateway, 'mq-lib');
    const body = batch('mq-lib', [reading('mq-lib', 'mq-lib-1', 1), reading('mq-lib', 'mq-lib-1', 2)]);
    await publishWith(
      h.gateway.mqttUrl as string,
      { username: 'mq-lib', password: token },
      'ysh/mq-lib/telemetry',
      JSON.stringify(body),
    );
    const rows = await storedFor(h, 'mq-lib', 2);
    expect(rows.map((r) => JSON.parse(r.value))).toEqual(expect.arrayContaining(body.readings as unknown[]));
    expect(rows.every((r) => r.key === 'mq-lib-1')).toBe(true);
  });

  it.skipIf(!hasTool('mosquitto_pub'))('stores a QoS 1 batch published by mosquitto_pub', async () => {
    const token = await siteWithToken(h.gateway, 'mq-cli');
    const body = batch('mq-cli', [
      reading('mq-cli', 'mq-cli-1', 1),
      reading('mq-cli', 'mq-cli-2', 1),
      reading('mq-cli', 'mq-cli-3', 1),
    ]);
    const port = new URL(h.gateway.mqttUrl as string).port;
    await run('mosquitto_pub', [
      '-h',
      '127.0.0.1',
      '-p',
      port,
      '-q',
      '1',
      '-u',
      'mq-cli',
      '-P',
      token,
      '-t',
      'ysh/mq-cli/telemetry',
      '-m',
      JSON.stringify(body),
    ]);
    expect(await storedFor(h, 'mq-cli', 3)).toHaveLength(3);
  });

  it('refuses bad credentials and a publish to another site’s topic, storing nothing', async () => {
    const token = await siteWithToken(h.gateway, 'mq-bad');
    await siteWithToken(h.gateway, 'mq-victim');
    const url = h.gateway.mqttUrl as string;
    const payload = JSON.stringify(batch('mq-victim', [reading('mq-victim', 'mq-victim-1', 1)]));
    await expect(
      publishWith(url, { username: 'mq-bad', password: `${token}x` }, 'ysh/mq-bad/telemetry', payload),
    ).rejects.toThrow(/Bad username or password|Not authorized/i);
    await expect(
      publishWith(url, { username: 'mq-victim', password: token }, 'ysh/mq-victim/telemetry', payload),
    ).rejects.toThrow();
    // Right credentials, wrong topic: the broker closes the connection instead of forwarding.
    const client = await mqtt.connectAsync(url, { username: 'mq-bad', password: token, reconnectPeriod: 0 });
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.publish('ysh/mq-victim/telemetry', payload, { qos: 1 });
    await closed;
    await client.endAsync(true);
    // A good publish after them proves the bridge is alive and that nothing of the refused ones got through.
    await publishWith(
      url,
      { username: 'mq-bad', password: token },
      'ysh/mq-bad/telemetry',
      JSON.stringify(batch('mq-bad', [reading('mq-bad', 'mq-bad-1', 1)])),
    );
    await storedFor(h, 'mq-bad', 1);
    const victim = (await readTopic(h.broker.brokers, TOPICS.telemetry)).filter((m) =>
      m.value.includes('"site":"mq-victim"'),
    );
    expect(victim).toHaveLength(0);
  });

  it.skipIf(!hasTool('mosquitto_pub'))('refuses mosquitto_pub with a wrong password, storing nothing', async () => {
    await siteWithToken(h.gateway, 'mq-cli-bad');
    const port = new URL(h.gateway.mqttUrl as string).port;
    const refused = await run('mosquitto_pub', [
      '-h',
      '127.0.0.1',
      '-p',
      port,
      '-q',
      '1',
      '-u',
      'mq-cli-bad',
      '-P',
      'wrong',
      '-t',
      'ysh/mq-cli-bad/telemetry',
      '-m',
      JSON.stringify(batch('mq-cli-bad', [reading('mq-cli-bad', 'mq-cli-bad-1', 1)])),
    ]).then(
      () => 'published',
      (err: { code?: number; stderr?: string }) => `exit ${err.code}: ${err.stderr}`,
    );
    expect(refused).toMatch(/^exit [1-9].*(not authori[sz]ed|bad user name or password)/i);
    const rows = (await readTopic(h.broker.brokers, TOPICS.telemetry)).filter((m) =>
      m.value.includes('"site":"mq-cli-bad"'),
    );
    expect(rows).toHaveLength(0);
  });

  it('keeps an unusable payload whole in the DLQ and acknowledges it', async () => {
    const token = await siteWithToken(h.gateway, 'mq-dlq');
    await publishWith(
      h.gateway.mqttUrl as string,
      { username: 'mq-dlq', password: token },
      'ysh/mq-dlq/telemetry',
      '{"v":1, not json',
    );
    const record = await waitFor('the DLQ record', async () =>
      (await readTopic(h.broker.brokers, TOPICS.telemetryDlq))
        .map((m) => JSON.parse(m.value) as DlqRecord)
        .find((r) => r.site === 'mq-dlq'),
    );
    expect(record).toMatchObject({ source: 'mqtt', index: null, batchId: null, raw: '{"v":1, not json' });
    expect(record.reason).toMatch(/^GW_MALFORMED_JSON: payload: is not valid JSON/);
  });

  it('survives arbitrary payloads: every message is handled, the gateway stays healthy (fuzz)', async () => {
    const token = await siteWithToken(h.gateway, 'mq-fuzz');
    const client = await mqtt.connectAsync(h.gateway.mqttUrl as string, {
      username: 'mq-fuzz',
      password: token,
      reconnectPeriod: 0,
    });
    const before = await mqttCount(h);
    let sent = 0;
    const anyJson = fc.jsonValue({ maxDepth: 3 });
    const payloads = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
      fc.string().map((s) => Buffer.from(s)),
      anyJson.map((j) => Buffer.from(JSON.stringify(j))),
      fc
        .array(fc.oneof(anyJson, fc.constant(reading('mq-fuzz', 'mq-fuzz-1', 1))), { maxLength: 5 })
        .map((readings) =>
          Buffer.from(JSON.stringify(batch(fc.sample(fc.constantFrom('mq-fuzz', 'other'), 1)[0] as string, readings))),
        ),
    );
    try {
      await fc.assert(
        fc.asyncProperty(payloads, async (payload) => {
          await client.publishAsync('ysh/mq-fuzz/telemetry', payload, { qos: 1 });
          sent++;
        }),
        { numRuns: 120 },
      );
    } finally {
      await client.endAsync();
    }
    await waitFor('every fuzz message handled', async () => ((await mqttCount(h)) - before >= sent ? true : undefined));
    expect((await mqttCount(h)) - before).toBe(sent);
    const health = await h.gateway.app.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(200);
  });
});

describe('embedded broker while Kafka is away for a moment', () => {
  let h: Harness;
  beforeAll(async () => {
    // The gateway keeps retrying for twice the produce timeout: ample for a broker restart on a loaded machine.
    h = await startHarness({ YSH_GATEWAY_MQTT: 'embedded', YSH_GATEWAY_PRODUCE_TIMEOUT: '30s' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('acknowledges a QoS 1 publish to the site only after Kafka stored its readings', async () => {
    const token = await siteWithToken(h.gateway, 'mq-out');
    await h.broker.close();
    const client = await mqtt.connectAsync(h.gateway.mqttUrl as string, {
      username: 'mq-out',
      password: token,
      reconnectPeriod: 0,
    });
    let acked = false;
    const published = client
      .publishAsync(
        'ysh/mq-out/telemetry',
        JSON.stringify(batch('mq-out', [reading('mq-out', 'mq-out-1', 1), reading('mq-out', 'mq-out-1', 2)])),
        { qos: 1 },
      )
      .then(() => {
        acked = true;
      });
    // The readings reached the gateway and wait for Kafka; the site has no PUBACK while they do.
    await waitFor('the readings waiting for Kafka', () => h.gateway.producer.inFlightBytes > 0);
    await sleep(1000);
    expect(acked).toBe(false);
    await h.restartBroker();
    await published;
    expect(acked).toBe(true);
    await client.endAsync();
    expect(await storedFor(h, 'mq-out', 2)).toHaveLength(2);
  }, 120_000);
});

describe('embedded broker while Kafka stays away', () => {
  let h: Harness;
  beforeAll(async () => {
    // Gives up after twice the produce timeout.
    h = await startHarness({ YSH_GATEWAY_MQTT: 'embedded', YSH_GATEWAY_PRODUCE_TIMEOUT: '2s' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('refuses the publish (closing the connection) when Kafka stays away, storing nothing', async () => {
    const token = await siteWithToken(h.gateway, 'mq-gone');
    await h.broker.close();
    const client = await mqtt.connectAsync(h.gateway.mqttUrl as string, {
      username: 'mq-gone',
      password: token,
      reconnectPeriod: 0,
    });
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    let acked = false;
    client.publish(
      'ysh/mq-gone/telemetry',
      JSON.stringify(batch('mq-gone', [reading('mq-gone', 'mq-gone-1', 1)])),
      { qos: 1 },
      (err) => {
        if (!err) acked = true;
      },
    );
    await closed;
    expect(acked).toBe(false);
    await client.endAsync(true);
    await h.restartBroker();
    const rows = (await readTopic(h.broker.brokers, TOPICS.telemetry)).filter((m) =>
      m.value.includes('"site":"mq-gone"'),
    );
    expect(rows).toHaveLength(0);
  });
});

describe.skipIf(!serviceUrl('mqtt'))('MQTT bridge on real Mosquitto (YSH_TEST_MQTT_URL)', () => {
  let h: Harness;
  const prefix = `ysht${randomBytes(3).toString('hex')}`;
  beforeAll(async () => {
    h = await startHarness({
      YSH_GATEWAY_MQTT: 'external',
      YSH_MQTT_URL: serviceUrl('mqtt') as string,
      YSH_GATEWAY_MQTT_FILTER: `${prefix}/+/telemetry`,
      YSH_GATEWAY_MQTT_CLEAN: 'true',
      YSH_GATEWAY_MQTT_CLIENT_ID: `gw-test-${prefix}`,
    });
    await h.gateway.mqttBridge?.ready;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('stores a QoS 1 batch from the mqtt library', async () => {
    await siteWithToken(h.gateway, 'mq-real');
    const topic = `${prefix}/mq-real/telemetry`;
    await publishWith(
      serviceUrl('mqtt') as string,
      {},
      topic,
      JSON.stringify(batch('mq-real', [reading('mq-real', 'mq-real-1', 1)])),
    );
    const rows = await storedFor(h, 'mq-real', 1);
    expect(rows.map((r) => JSON.parse(r.value).seq)).toEqual([1]);
  });

  it.skipIf(!hasTool('mosquitto_pub'))('stores a QoS 1 batch published by mosquitto_pub', async () => {
    await siteWithToken(h.gateway, 'mq-real-cli');
    const u = new URL(serviceUrl('mqtt') as string);
    await run('mosquitto_pub', [
      '-h',
      u.hostname,
      '-p',
      u.port || '1883',
      '-q',
      '1',
      '-t',
      `${prefix}/mq-real-cli/telemetry`,
      '-m',
      JSON.stringify(batch('mq-real-cli', [reading('mq-real-cli', 'mq-real-cli-1', 2)])),
    ]);
    const rows = await storedFor(h, 'mq-real-cli', 1);
    expect(rows.map((r) => JSON.parse(r.value).seq)).toEqual([2]);
  });

  it('rejects readings of a site the registry does not know to the DLQ', async () => {
    const url = serviceUrl('mqtt') as string;
    await publishWith(
      url,
      {},
      `${prefix}/mq-ghost/telemetry`,
      JSON.stringify(batch('mq-ghost', [reading('mq-ghost', 'mq-ghost-1', 1)])),
    );
    const record = await waitFor('the DLQ record', async () =>
      (await readTopic(h.broker.brokers, TOPICS.telemetryDlq))
        .map((m) => JSON.parse(m.value) as DlqRecord)
        .find((r) => r.site === 'mq-ghost'),
    );
    expect(record.reason).toMatch(/not registered to site "mq-ghost"/);
  });
});
