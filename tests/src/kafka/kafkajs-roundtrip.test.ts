import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomTopic, startTestBroker, type TestBroker } from '@ysh/test-helpers';

describe('embedded broker with kafkajs', () => {
  let broker: TestBroker;
  let kafka: Kafka;

  beforeAll(async () => {
    broker = await startTestBroker();
    kafka = new Kafka({ brokers: [broker.brokers], clientId: 'roundtrip', logLevel: logLevel.NOTHING });
  });
  afterAll(async () => {
    await broker.stop();
  });

  it('round-trips keys, headers and gzip batches across several partitions', async () => {
    const topic = randomTopic('roundtrip');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const sent = new Map<string, { value: string; header: string }>();
    for (const compression of [CompressionTypes.GZIP, CompressionTypes.None]) {
      const messages = Array.from({ length: 200 }, (_, i) => {
        const key = `key-${compression}-${i}`;
        const value = `value ${i} ${'x'.repeat(i % 50)} ünïcode`;
        sent.set(key, { value, header: `h-${i}` });
        return { key, value, headers: { trace: `h-${i}` }, partition: i % 4 };
      });
      await producer.send({ topic, compression, acks: -1, messages });
    }
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets.map((o) => Number(o.high)).reduce((a, b) => a + b, 0)).toBe(400);
    expect(offsets.every((o) => Number(o.high) === 100)).toBe(true);

    const consumer = kafka.consumer({ groupId: randomTopic('g'), maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = new Map<string, { value: string; header: string; partition: number; offset: number }>();
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            const key = message.key!.toString();
            received.set(key, {
              value: message.value!.toString(),
              header: String(message.headers?.trace),
              partition,
              offset: Number(message.offset),
            });
            if (received.size === sent.size) resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    for (const [key, m] of sent) {
      expect(received.get(key)?.value).toBe(m.value);
      expect(received.get(key)?.header).toBe(m.header);
    }
    const byPartition = new Map<number, number[]>();
    for (const r of received.values())
      byPartition.set(r.partition, [...(byPartition.get(r.partition) ?? []), r.offset]);
    expect([...byPartition.keys()].sort()).toEqual([0, 1, 2, 3]);
    for (const list of byPartition.values())
      expect(list.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    await producer.disconnect();
    await admin.disconnect();
  });

  it('serves admin: list, describe groups, committed offsets and delete topics', async () => {
    const topic = randomTopic('admin');
    const groupId = randomTopic('group');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    expect(await admin.listTopics()).toContain(topic);
    const again = await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    expect(again).toBe(false);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      acks: 1,
      messages: [
        { value: 'a', partition: 0 },
        { value: 'b', partition: 1 },
        { value: 'c', partition: 1 },
      ],
    });
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 1, offset: '1' }] });
    const fetched = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(fetched[0]?.partitions.sort((a, b) => a.partition - b.partition)).toEqual([
      { partition: 0, offset: '-1', metadata: null },
      { partition: 1, offset: '1', metadata: null },
    ]);
    const listed = await admin.listGroups();
    expect(listed.groups.map((g) => g.groupId)).toContain(groupId);
    const described = await admin.describeGroups([groupId]);
    expect(described.groups[0]?.state).toBe('Empty');
    // DeleteGroups forgets the group's committed offsets; a group with members cannot be deleted.
    await admin.deleteGroups([groupId]);
    expect((await admin.listGroups()).groups.map((g) => g.groupId)).not.toContain(groupId);
    expect(
      (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions.every((p) => p.offset === '-1'),
    ).toBe(true);
    const member = kafka.consumer({ groupId: `${groupId}-live`, maxWaitTimeInMs: 100 });
    await member.connect();
    await member.subscribe({ topic, fromBeginning: true });
    await member.run({ eachMessage: async () => {} });
    await expect.poll(async () => (await admin.describeGroups([`${groupId}-live`])).groups[0]?.state).toBe('Stable');
    const refused = await admin
      .deleteGroups([`${groupId}-live`])
      .catch((err: unknown) => err as { groups?: { errorCode: number }[] });
    expect((refused as { groups?: { errorCode: number }[] }).groups?.[0]?.errorCode).toBe(68);
    await member.disconnect();

    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(meta.topics[0]?.partitions).toHaveLength(2);
    await admin.deleteTopics({ topics: [topic] });
    expect(await admin.listTopics()).not.toContain(topic);
    await producer.disconnect();
    await admin.disconnect();
  });

  it('acks=0 produces without a response and the records still land', async () => {
    const topic = randomTopic('acks0');
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    const res = await producer.send({ topic, acks: 0, messages: [{ value: 'fire-and-forget' }] });
    expect(res).toEqual([]);
    await producer.send({ topic, acks: 1, messages: [{ value: 'after' }] });
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets[0]?.high).toBe('2');
    await admin.disconnect();
    await producer.disconnect();
  });
});
