import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Consumer, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomTopic, startTestBroker, type TestBroker } from '@ysh/test-helpers';

function collect(
  consumer: Consumer,
  n: number,
  into: { partition: number; offset: number; value: string }[],
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachMessage: async ({ partition, message }) => {
          into.push({ partition, offset: Number(message.offset), value: message.value!.toString() });
          if (into.length >= n) resolve();
        },
      })
      .catch(reject);
  });
}

async function metric(broker: TestBroker, name: string, labels: string): Promise<number> {
  const text = await broker.registry.getSingleMetricAsString(name);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('kafkajs consumer features on the embedded broker', () => {
  let broker: TestBroker;
  let kafka: Kafka;

  beforeAll(async () => {
    broker = await startTestBroker();
    kafka = new Kafka({ brokers: [broker.brokers], clientId: 'consumer-features', logLevel: logLevel.NOTHING });
  });
  afterAll(async () => {
    await broker.stop();
  });

  it('seeks to an offset and finds offsets by timestamp', async () => {
    const topic = randomTopic('seek');
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    const t0 = Date.now() - 100_000;
    for (let i = 0; i < 100; i += 10) {
      await producer.send({
        topic,
        messages: Array.from({ length: 10 }, (_, j) => ({
          value: `v${i + j}`,
          timestamp: String(t0 + (i + j) * 1000),
        })),
      });
    }
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    const byTime = await admin.fetchTopicOffsetsByTimestamp(topic, t0 + 42_000);
    expect(byTime).toEqual([{ partition: 0, offset: '42' }]);
    expect(await admin.fetchTopicOffsetsByTimestamp(topic, t0 + 500_000)).toEqual([{ partition: 0, offset: '100' }]);
    await admin.disconnect();

    const consumer = kafka.consumer({ groupId: randomTopic('seek'), maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const got: { partition: number; offset: number; value: string }[] = [];
    const done = collect(consumer, 25, got);
    consumer.seek({ topic, partition: 0, offset: '75' });
    await done;
    await consumer.disconnect();
    expect(got[0]).toEqual({ partition: 0, offset: 75, value: 'v75' });
    expect(got.map((g) => g.offset)).toEqual(Array.from({ length: 25 }, (_, i) => 75 + i));
  });

  it('holds an idle fetch for max wait instead of spinning, and answers it as soon as data arrives', async () => {
    const topic = randomTopic('longpoll');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    await admin.disconnect();
    const consumer = kafka.consumer({ groupId: randomTopic('lp'), maxWaitTimeInMs: 2000 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const got: { partition: number; offset: number; value: string }[] = [];
    const done = collect(consumer, 1, got);
    await new Promise((r) => setTimeout(r, 1000));
    const before = await metric(broker, 'ysh_kafka_requests_total', 'api="Fetch"');
    await new Promise((r) => setTimeout(r, 3000));
    const idleFetches = (await metric(broker, 'ysh_kafka_requests_total', 'api="Fetch"')) - before;
    // With a 2 s long-poll, 3 s of idleness is two or three fetches (a spinning client would make hundreds).
    expect(idleFetches).toBeLessThanOrEqual(3);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'wake-up' }] });
    await done;
    expect(got[0]?.value).toBe('wake-up');
    await producer.disconnect();
    await consumer.disconnect();
    // Finished long-polls leave nothing behind in the broker's wait lists.
    await expect.poll(() => broker.state.closeWaiters.size, { timeout: 5000 }).toBe(0);
    expect(broker.state.topics.partition(topic, 0)!.waitingFetches).toBe(0);
  });

  it('counts bytes and messages per topic, connections and groups in its metrics', async () => {
    const topic = randomTopic('metrics');
    const groupId = randomTopic('mg');
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: 30 }, (_, i) => ({ value: `m${i}` })) });
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await collect(consumer, 30, []);
    expect(await metric(broker, 'ysh_kafka_messages_in_total', `topic="${topic}"`)).toBe(30);
    expect(await metric(broker, 'ysh_kafka_messages_out_total', `topic="${topic}"`)).toBeGreaterThanOrEqual(30);
    expect(await metric(broker, 'ysh_kafka_bytes_in_total', `topic="${topic}"`)).toBeGreaterThan(30 * 3);
    expect(await metric(broker, 'ysh_kafka_groups', 'state="Stable"')).toBeGreaterThanOrEqual(1);
    expect(
      Number((await broker.registry.getSingleMetricAsString('ysh_kafka_connections')).split(' ').at(-1)),
    ).toBeGreaterThan(0);
    await consumer.disconnect();
    await producer.disconnect();
  });
});

describe('restart of the embedded broker', () => {
  it('keeps topics, data and committed group offsets', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'ysh-kafka-restart-'));
    try {
      const topic = randomTopic('restart');
      const groupId = randomTopic('rg');
      let broker = await startTestBroker({ dataDir });
      let kafka = new Kafka({ brokers: [broker.brokers], clientId: 'restart', logLevel: logLevel.NOTHING });
      const producer = kafka.producer({ allowAutoTopicCreation: true });
      await producer.connect();
      await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `before-${i}` })) });
      await producer.disconnect();
      const first = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
      await first.connect();
      await first.subscribe({ topic, fromBeginning: true });
      await collect(first, 10, []);
      await first.disconnect(); // commits the consumed offsets
      await broker.close();

      broker = await startTestBroker({ dataDir });
      kafka = new Kafka({ brokers: [broker.brokers], clientId: 'restart', logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      await admin.connect();
      expect(await admin.listTopics()).toContain(topic);
      expect((await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions[0]?.offset).toBe('10');
      await admin.disconnect();
      const p2 = kafka.producer();
      await p2.connect();
      await p2.send({ topic, messages: [{ value: 'after' }] });
      await p2.disconnect();
      const second = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
      await second.connect();
      await second.subscribe({ topic, fromBeginning: true });
      const got: { partition: number; offset: number; value: string }[] = [];
      await collect(second, 1, got);
      await second.disconnect();
      expect(got[0]).toEqual({ partition: 0, offset: 10, value: 'after' });
      await broker.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
