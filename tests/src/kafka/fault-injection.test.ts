import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '@ysh/embedded/kafka';
import { randomTopic, startTestBroker, type TestBroker } from '@ysh/test-helpers';

describe('fault injection through the broker control hook', () => {
  let broker: TestBroker;
  let kafka: Kafka;

  beforeAll(async () => {
    broker = await startTestBroker();
    kafka = new Kafka({
      brokers: [broker.brokers],
      clientId: 'faults',
      logLevel: logLevel.NOTHING,
      requestTimeout: 1000,
      retry: { retries: 5, initialRetryTime: 50 },
    });
  });
  afterAll(async () => {
    await broker.stop();
  });

  it('an idempotent producer whose produce response is lost retries, and the broker stores the batch once', async () => {
    const topic = randomTopic('idempotent');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ value: 'warm-up' }] });

    let seen = 0;
    const remove = broker.control.intercept(ApiKey.Produce, () =>
      ++seen === 1 ? { kind: 'drop-response' } : undefined,
    );
    const [result] = await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: 10 }, (_, i) => ({ value: `m${i}` })),
    });
    remove();
    expect(seen).toBeGreaterThanOrEqual(2);
    expect(result?.baseOffset).toBe('1');
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets[0]?.high).toBe('11');

    const consumer = kafka.consumer({ groupId: randomTopic('g'), maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const values: string[] = [];
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ message }) => {
            values.push(message.value!.toString());
            if (values.length === 11) resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    expect(values).toEqual(['warm-up', ...Array.from({ length: 10 }, (_, i) => `m${i}`)]);
    await producer.disconnect();
    await admin.disconnect();
  });

  it('a dropped request and a closed connection are survived by kafkajs retries', async () => {
    const topic = randomTopic('retry');
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    broker.control.drop(ApiKey.Produce, 1);
    broker.control.closeOn(ApiKey.Produce, 1);
    await producer.send({ topic, acks: -1, messages: [{ value: 'eventually' }] });
    const admin = kafka.admin();
    await admin.connect();
    expect((await admin.fetchTopicOffsets(topic))[0]?.high).toBe('1');
    await admin.disconnect();
    await producer.disconnect();
  });

  it('refuses a transactional producer with a clear error instead of hanging', async () => {
    const producer = kafka.producer({
      transactionalId: 'tx-1',
      idempotent: true,
      maxInFlightRequests: 1,
      retry: { retries: 1, initialRetryTime: 50 },
    });
    await producer.connect();
    const failure = await producer.transaction().then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    // FindCoordinator(transaction) answers INVALID_REQUEST; kafkajs reports it as a coordinator failure.
    expect(failure?.message).toMatch(/coordinator/i);
    await producer.disconnect();
  });
});
