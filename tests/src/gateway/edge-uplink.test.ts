import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpUplink, MqttUplink } from '@ysh/edge-agent';
import { batch, type Harness, reading, readTopic, siteWithToken, startHarness, TOPICS } from './harness.ts';

/** The edge agent's own uplink transports against the real gateway (not a test receiver). */
describe('edge agent uplinks into the gateway', () => {
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

  const stored = async (site: string, n: number) => {
    for (let i = 0; i < 100; i++) {
      const rows = (await readTopic(h.broker.brokers, TOPICS.telemetry)).filter((m) =>
        m.value.includes(`"site":"${site}"`),
      );
      if (rows.length >= n) return rows;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`fewer than ${n} readings of ${site} stored`);
  };

  it('HTTP uplink (gzip, bearer token): accepted, then duplicates on resend, bad token refused as non-retriable', async () => {
    const token = await siteWithToken(h.gateway, 'edge-http');
    const uplink = new HttpUplink({ url: h.gateway.url, token, timeoutMs: 10_000, gzip: true });
    const b = batch('edge-http', [
      reading('edge-http', 'edge-http-1', 1),
      reading('edge-http', 'edge-http-1', 2),
      { junk: 1 },
    ]);
    const out = { batchId: b.batchId as string, body: Buffer.from(JSON.stringify(b)), readings: 3 };
    const first = await uplink.send(out);
    expect(first).toMatchObject({ accepted: 2, duplicates: 0 });
    expect(first.rejected.map((r) => r.index)).toEqual([2]);
    expect(await uplink.send(out)).toMatchObject({ accepted: 0, duplicates: 2 });
    expect(await stored('edge-http', 2)).toHaveLength(2);
    const wrong = new HttpUplink({ url: h.gateway.url, token: `${token}x`, timeoutMs: 10_000, gzip: true });
    await expect(wrong.send(out)).rejects.toMatchObject({ code: 'EDGE_UPLINK_REJECTED' });
  });

  it('MQTT uplink (username = site, password = token) lands in the topic', async () => {
    const token = await siteWithToken(h.gateway, 'edge-mqtt');
    const uplink = new MqttUplink({ url: h.gateway.mqttUrl as string, site: 'edge-mqtt', token, timeoutMs: 10_000 });
    const b = batch('edge-mqtt', [reading('edge-mqtt', 'edge-mqtt-1', 1)]);
    try {
      await uplink.send({ batchId: b.batchId as string, body: Buffer.from(JSON.stringify(b)), readings: 1 });
    } finally {
      await uplink.close();
    }
    expect(await stored('edge-mqtt', 1)).toHaveLength(1);
  });
});
