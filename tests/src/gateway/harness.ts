import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createLogger, type Logger, TOPICS, type Reading } from '@ysh/common';
import type { KvStore } from '@ysh/common/kv';
import { createServices } from '@ysh/cli/services';
import { MemoryKv } from '@ysh/embedded';
import { loadGatewayConfig, startGateway, type Gateway } from '@ysh/gateway';
import { Kafka, logLevel } from 'kafkajs';
import { type KafkaBroker, startKafkaBroker } from '@ysh/embedded/kafka';
import { testDatabase, type TestDatabase, tempDir } from '@ysh/test-helpers';

export { tempDir };

export async function startBroker(dataDir: string, port = 0): Promise<KafkaBroker> {
  return startKafkaBroker({ dataDir, port, logger: createLogger('broker', { level: 'silent' }) });
}

export interface Harness {
  broker: KafkaBroker;
  gateway: Gateway;
  db: TestDatabase;
  kv: KvStore;
  brokerDir: string;
  restartBroker(): Promise<void>;
  close(): Promise<void>;
}

/** Embedded broker + fresh PGlite + gateway on ephemeral ports; env overrides the gateway's variables. */
export async function startHarness(
  env: Record<string, string> = {},
  options: { db?: TestDatabase; kv?: KvStore; logger?: Logger } = {},
): Promise<Harness> {
  const dir = await tempDir('ysh-gw-');
  let broker = await startBroker(join(dir.path, 'kafka'));
  const db = options.db ?? (await testDatabase());
  const kv = options.kv ?? new MemoryKv();
  const config = loadGatewayConfig({
    YSH_DATA_DIR: dir.path,
    YSH_LOG_LEVEL: 'silent',
    YSH_KAFKA_BROKERS: broker.brokers,
    YSH_GATEWAY_PORT: '0',
    YSH_GATEWAY_MQTT: 'off',
    YSH_EMBEDDED_MQTT_PORT: '0',
    YSH_GATEWAY_KAFKA_PARTITIONS: '3',
    YSH_GATEWAY_RATE_LIMIT: '100000',
    ...env,
  });
  const gateway = await startGateway(config, {
    services: createServices(config.common),
    pool: db.pool,
    kv,
    logger: options.logger ?? createLogger('gateway', { level: 'silent' }),
  });
  const h: Harness = {
    broker,
    gateway,
    db,
    kv,
    brokerDir: join(dir.path, 'kafka'),
    async restartBroker() {
      broker = await startBroker(h.brokerDir, h.broker.port);
      h.broker = broker;
    },
    async close() {
      await gateway.close();
      await h.broker.close().catch(() => {});
      if (!options.db) await db.close();
      if (!options.kv) await kv.close();
      await dir.remove();
    },
  };
  return h;
}

export async function siteWithToken(gateway: Gateway, site: string): Promise<string> {
  await gateway.registry.addSite(site);
  return gateway.registry.issueToken(site);
}

export function reading(site: string, device: string, seq: number, extra: Partial<Reading> = {}): Reading {
  return {
    v: 1,
    site,
    device,
    ts: new Date(Date.now() - 60_000 + seq).toISOString(),
    seq,
    metrics: { ac_power_w: 4520.5, ac_energy_wh: 18234567 + seq, dc_voltage_v: 612.3, operating_state: 4, events: 0 },
    quality: 'good',
    ...extra,
  };
}

export function batch(site: string, readings: unknown[]): Record<string, unknown> {
  return { v: 1, batchId: randomUUID(), site, readings };
}

export interface TopicMessage {
  key: string | null;
  value: string;
  partition: number;
  offset: string;
}

/** Every message of a topic from the beginning up to the current end (kafkajs consumer, fresh group). */
export async function readTopic(brokers: string, topic: string, timeoutMs = 20_000): Promise<TopicMessage[]> {
  const kafka = new Kafka({ clientId: 'ysh-test-reader', brokers: [brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const want = new Map(ends.map((e) => [e.partition, BigInt(e.high)]));
  const total = [...want.values()].reduce((a, b) => a + b, 0n);
  const out: TopicMessage[] = [];
  if (total === 0n) return out;
  const consumer = kafka.consumer({ groupId: `ysh-test-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen = new Map<number, bigint>();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(
            `read ${out.length} of ${total} messages of ${topic}: ends ${JSON.stringify([...want].map(([p, e]) => [p, String(e)]))}, seen ${JSON.stringify([...seen].map(([p, e]) => [p, String(e)]))}`,
          ),
        ),
      timeoutMs,
    );
    void consumer.run({
      eachBatch: async ({ batch: b }) => {
        const high = want.get(b.partition) ?? 0n;
        for (const message of b.messages) {
          const offset = BigInt(message.offset);
          if (offset >= high) break;
          out.push({
            key: message.key?.toString() ?? null,
            value: message.value?.toString() ?? '',
            partition: b.partition,
            offset: message.offset,
          });
          seen.set(b.partition, offset + 1n);
        }
        if ([...want].every(([p, end]) => (seen.get(p) ?? 0n) >= end)) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return out;
}

/** Sum of the high-water marks of a topic (0 when it does not exist). */
export async function topicEnd(brokers: string, topic: string): Promise<number> {
  const kafka = new Kafka({ clientId: 'ysh-test-offsets', brokers: [brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = await admin.listTopics();
    if (!topics.includes(topic)) return 0;
    const ends = await admin.fetchTopicOffsets(topic);
    return ends.reduce((s, e) => s + Number(e.high), 0);
  } finally {
    await admin.disconnect();
  }
}

export { TOPICS };
