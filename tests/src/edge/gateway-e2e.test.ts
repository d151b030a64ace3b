import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, TOPICS, type Reading } from '@ysh/common';
import { parseSiteConfig, startEdgeAgent, type EdgeAgent } from '@ysh/edge-agent';
import { startSimulator, type Simulator } from '@ysh/firmware-sim';
import { type Harness, readTopic, siteWithToken, startHarness } from '../gateway/harness.ts';
import { SITE, siteYaml } from './fixtures.ts';
import { NOON, tempDir, waitFor } from '@ysh/test-helpers';

const logger = createLogger('edge-agent-test', { level: 'silent' });

/**
 * The whole edge path against the real gateway and the embedded Kafka broker:
 * simulator → agent → gateway → topic, with Kafka stopped mid-run (the gateway
 * answers 503 + Retry-After, the agent buffers) and started again.
 */
describe('edge agent → real gateway → Kafka', () => {
  let h: Harness;
  let sim: Simulator;
  let agent: EdgeAgent;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const stored: Reading[] = [];

  beforeAll(async () => {
    // A short produce timeout so the outage is answered with 503 + Retry-After within the test.
    h = await startHarness({ YSH_GATEWAY_PRODUCE_TIMEOUT: '500ms', YSH_GATEWAY_RETRY_AFTER: '1' });
    const token = await siteWithToken(h.gateway, SITE);
    sim = await startSimulator({ devices: 5, port: 0, seed: 31, speed: 60, start: NOON });
    dir = await tempDir();
    const yaml = siteYaml({
      gatewayUrl: h.gateway.url,
      devices: sim.devices,
      interval: '50ms',
      gateway: { token, retryMin: '50ms', retryMax: '500ms' },
    });
    agent = await startEdgeAgent(parseSiteConfig(yaml), {
      dataDir: dir.path,
      port: 0,
      logger,
      onStored: (rs) => stored.push(...rs),
    });
  });

  afterAll(async () => {
    await agent?.stop();
    await sim?.close();
    await h?.close();
    await dir?.remove();
  });

  it('every stored reading lands in the topic, repeats only as identical copies, across a Kafka outage', async () => {
    await waitFor(
      'readings flowing',
      () => agent.metrics.readingsSent.get().then((m) => (m.values[0]?.value ?? 0) > 50),
      30_000,
    );
    await h.broker.close();
    const before = stored.length;
    await waitFor(
      'a backlog while Kafka is down',
      () => stored.length - before > 200 && agent.log.backlog > 100,
      30_000,
    );
    await h.restartBroker();
    await waitFor('backlog drained into Kafka', () => agent.log.backlog < 50, 60_000);
    // The devices go quiet so nothing new is stored after the last drain.
    for (const d of sim.devices) sim.injectFault(d.id, { type: 'comm-loss' });
    await new Promise((r) => setTimeout(r, 1500));
    await waitFor('last readings drained', () => agent.log.backlog === 0, 30_000);
    await agent.stop();
    // The outage was real: the gateway refused batches (503) while Kafka was down.
    const retries = (await agent.metrics.batches.get()).values.find((v) => v.labels.result === 'retry')?.value ?? 0;
    expect(retries).toBeGreaterThan(0);

    const want = stored.map((r) => `${r.device}#${r.seq}`);
    const messages = await readTopic(h.broker.brokers, TOPICS.telemetry);
    const copies = new Map<string, Set<string>>();
    for (const m of messages) {
      const r = JSON.parse(m.value) as Reading;
      expect(m.key).toBe(r.device);
      const key = `${r.device}#${r.seq}`;
      copies.set(key, (copies.get(key) ?? new Set()).add(m.value));
    }
    // Every stored reading is in the topic; nothing else is.
    expect(want.filter((k) => !copies.has(k))).toEqual([]);
    expect(copies.size).toBe(new Set(want).size);
    // A (device, seq) the gateway produced twice (a produce that timed out into a 503 yet reached
    // Kafka, then the agent's resend) is a byte-identical copy that consumers drop by (device, seq).
    for (const [key, values] of copies) expect(values.size, key).toBe(1);
  });
});
