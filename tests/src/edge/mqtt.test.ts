import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, createContractValidator, mqttTelemetryTopic, type Reading } from '@ysh/common';
import { startEmbeddedMqtt, type EmbeddedMqtt } from '@ysh/embedded';
import { parseSiteConfig, startEdgeAgent, type EdgeAgent } from '@ysh/edge-agent';
import { startSimulator, type Simulator } from '@ysh/firmware-sim';
import { connectAsync, type MqttClient } from 'mqtt';
import { stringify } from 'yaml';
import { SITE, TOKEN } from './fixtures.ts';
import { tempDir, waitFor } from '@ysh/test-helpers';

const logger = createLogger('edge-agent-test', { level: 'silent' });
const MAPPED = ['ac_power_w', 'ac_energy_wh', 'ac_voltage_v', 'dc_power_w', 'operating_state'] as const;

/** MQTT-native devices in, batches out over MQTT QoS 1 — both through the embedded broker. */
describe('MQTT-native devices and the MQTT uplink', () => {
  let broker: EmbeddedMqtt;
  let sim: Simulator;
  let agent: EdgeAgent;
  let cloud: MqttClient;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const batches: { site: string; readings: Reading[] }[] = [];

  beforeAll(async () => {
    broker = await startEmbeddedMqtt({ port: 0 });
    cloud = await connectAsync(broker.url);
    await cloud.subscribeAsync(mqttTelemetryTopic(SITE), { qos: 1 });
    cloud.on('message', (_t, payload) => batches.push(JSON.parse(payload.toString())));
    sim = await startSimulator({
      devices: 0,
      mqttDevices: 2,
      port: 0,
      seed: 4,
      speed: 1,
      // Simulated time = wall time: the devices' own timestamps agree with the edge clock.
      start: Date.now(),
      mqtt: { url: broker.url, periodMs: 100 },
    });
    dir = await tempDir();
    const yaml = stringify({
      site: SITE,
      gateway: { transport: 'mqtt', url: broker.url, token: TOKEN, retryMin: '20ms' },
      devices: sim.devices.map((d) => ({
        id: d.id,
        transport: 'mqtt',
        broker: broker.url,
        topic: d.topic,
        interval: '100ms',
        tsPath: 'timestamp',
        mapping: Object.fromEntries(MAPPED.map((m) => [m, `metrics.${m}`])),
      })),
    });
    agent = await startEdgeAgent(parseSiteConfig(yaml), { dataDir: dir.path, port: 0, logger });
  });

  afterAll(async () => {
    await agent?.stop();
    await cloud?.endAsync();
    await sim?.close();
    await broker?.close();
    await dir?.remove();
  });

  it('maps device payloads to contract readings and publishes them as batches', async () => {
    await waitFor('readings of both devices over MQTT', () =>
      sim.devices.every((d) => batches.flatMap((b) => b.readings).filter((r) => r.device === d.id).length >= 3),
    );
    const validator = createContractValidator();
    for (const b of batches) expect(validator.batch(b).ok).toBe(true);
    const readings = batches.flatMap((b) => b.readings);
    for (const d of sim.devices) {
      const mine = readings.filter((r) => r.device === d.id);
      expect(mine.every((r, i) => i === 0 || r.seq > (mine[i - 1] as Reading).seq)).toBe(true);
      expect(Object.keys(mine.at(-1)?.metrics ?? {}).sort()).toEqual([...MAPPED].sort());
      expect(typeof mine.at(-1)?.metrics.ac_power_w).toBe('number');
      expect(mine.every((r) => r.flags === undefined)).toBe(true);
    }
    expect(agent.devices()[sim.devices[0]?.id as string]?.health).toBe('online');
  });

  it('flags readings of a device whose own clock is off', async () => {
    const id = sim.devices[1]?.id as string;
    sim.injectFault(id, { type: 'clock-skew', skewMs: 3_600_000 });
    await waitFor('a clock_jump reading', () =>
      batches.some((b) => b.readings.some((r) => r.device === id && r.flags?.includes('clock_jump'))),
    );
    const other = sim.devices[0]?.id as string;
    expect(
      batches.flatMap((b) => b.readings).filter((r) => r.device === other && r.flags?.includes('clock_jump')),
    ).toEqual([]);
  });
});
