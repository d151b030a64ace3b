import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomTopic, startTestBroker, type TestBroker } from '@ysh/test-helpers';

const TOPIC_RESOURCE = 2;
const BROKER_RESOURCE = 4;

describe('topic configuration and partitions through kafkajs admin', () => {
  let broker: TestBroker;
  let kafka: Kafka;

  beforeAll(async () => {
    broker = await startTestBroker();
    kafka = new Kafka({ brokers: [broker.brokers], clientId: 'topic-admin', logLevel: logLevel.NOTHING });
  });
  afterAll(async () => {
    await broker.stop();
  });

  it('creates a topic with configs, describes them, and refuses unsupported ones', async () => {
    const topic = randomTopic('configured');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        {
          topic,
          numPartitions: 2,
          configEntries: [
            { name: 'retention.ms', value: '3600000' },
            { name: 'max.message.bytes', value: '2000' },
            { name: 'min.insync.replicas', value: '1' },
          ],
        },
      ],
    });
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: TOPIC_RESOURCE, name: topic }],
    });
    const entries = Object.fromEntries(described.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
    expect(entries).toMatchObject({
      'retention.ms': '3600000',
      'max.message.bytes': '2000',
      'cleanup.policy': 'delete',
      'min.insync.replicas': '1',
    });

    const errorTypes = (err: unknown) => ((err as { errors?: { type: string }[] }).errors ?? []).map((e) => e.type);
    const compacted = await admin
      .createTopics({
        topics: [{ topic: randomTopic('compacted'), configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
      })
      .catch((err: unknown) => err);
    expect(errorTypes(compacted)).toEqual(['INVALID_CONFIG']);
    const badValue = await admin
      .createTopics({
        topics: [{ topic: randomTopic('bad'), configEntries: [{ name: 'retention.ms', value: 'soon' }] }],
      })
      .catch((err: unknown) => err);
    expect(errorTypes(badValue)).toEqual(['INVALID_CONFIG']);

    // max.message.bytes applies to produce.
    const producer = kafka.producer({ retry: { retries: 0 } });
    await producer.connect();
    await expect(producer.send({ topic, messages: [{ value: 'x'.repeat(5000) }] })).rejects.toThrow();
    await producer.send({ topic, messages: [{ value: 'small' }] });
    await producer.disconnect();

    const brokerConfigs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: BROKER_RESOURCE, name: '1' }],
    });
    expect(brokerConfigs.resources[0]?.configEntries.map((e) => e.configName)).toContain('num.partitions');
    await admin.disconnect();
  });

  it('adds partitions to a topic and producers and consumers use them', async () => {
    const topic = randomTopic('grow');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    await admin.createPartitions({ topicPartitions: [{ topic, count: 4 }] });
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(meta.topics[0]?.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2, 3]);
    await expect(admin.createPartitions({ topicPartitions: [{ topic, count: 2 }] })).rejects.toThrow();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'on-3', partition: 3 }] });
    await producer.disconnect();
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets.find((o) => o.partition === 3)?.high).toBe('1');
    await admin.disconnect();
  });
});

describe('retention on a running broker', () => {
  it('deletes old segments of a topic with its own retention.bytes, and consumers start from the new log start', async () => {
    const broker = await startTestBroker({ retention: { checkIntervalMs: 100 } });
    try {
      const kafka = new Kafka({ brokers: [broker.brokers], clientId: 'retention', logLevel: logLevel.NOTHING });
      const topic = randomTopic('retained');
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({
        topics: [
          {
            topic,
            numPartitions: 1,
            configEntries: [
              { name: 'segment.bytes', value: '2048' },
              { name: 'retention.bytes', value: '4096' },
            ],
          },
        ],
      });
      const producer = kafka.producer();
      await producer.connect();
      for (let i = 0; i < 40; i++) await producer.send({ topic, messages: [{ value: `m${i}-${'x'.repeat(300)}` }] });
      await producer.disconnect();
      // retention.bytes keeps the newest closed segments within the limit, plus the active one.
      await expect
        .poll(() => broker.state.topics.partition(topic, 0)!.sizeBytes, { timeout: 5000 })
        .toBeLessThanOrEqual(4096 + 2048);
      const low = Number((await admin.fetchTopicOffsets(topic))[0]?.low);
      expect(low).toBeGreaterThan(0);

      const consumer = kafka.consumer({ groupId: randomTopic('rg'), maxWaitTimeInMs: 100 });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const offsets: number[] = [];
      await new Promise<void>((resolve, reject) => {
        consumer
          .run({
            eachMessage: async ({ message }) => {
              offsets.push(Number(message.offset));
              if (Number(message.offset) === 39) resolve();
            },
          })
          .catch(reject);
      });
      await consumer.disconnect();
      expect(offsets[0]).toBe(low);
      await admin.disconnect();
    } finally {
      await broker.stop();
    }
  });
});

describe('auto-creation switched off', () => {
  it('does not create topics on metadata requests and producers get UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const broker = await startTestBroker({ autoCreateTopics: false });
    try {
      const kafka = new Kafka({
        brokers: [broker.brokers],
        clientId: 'no-auto',
        logLevel: logLevel.NOTHING,
        retry: { retries: 1, initialRetryTime: 50 },
      });
      const topic = randomTopic('absent');
      const producer = kafka.producer({ allowAutoTopicCreation: true, retry: { retries: 1, initialRetryTime: 50 } });
      await producer.connect();
      const failure = await producer.send({ topic, messages: [{ value: 'x' }] }).then(
        () => undefined,
        (err: unknown) => err as { type?: string; message: string },
      );
      expect(failure?.type ?? failure?.message).toMatch(
        /UNKNOWN_TOPIC_OR_PARTITION|does not host this topic-partition/,
      );
      await producer.disconnect();
      const admin = kafka.admin();
      await admin.connect();
      expect(await admin.listTopics()).not.toContain(topic);
      await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
      expect(await admin.listTopics()).toContain(topic);
      await admin.disconnect();
    } finally {
      await broker.stop();
    }
  });
});
