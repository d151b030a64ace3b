import { spawn } from 'node:child_process';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomTopic, startTestBroker, type TestBroker, hasTool } from '@ysh/test-helpers';

/** Runs kcat against the broker (asynchronously: the broker lives in this process). */
function kcat(
  broker: TestBroker,
  args: string[],
  input = '',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('kcat', ['-b', broker.brokers, ...args]);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => {
      stdout += d.toString('utf8');
    });
    p.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
    });
    const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    p.stdin.end(input);
  });
}

function sample(n: number, tag: string): { key: string; value: string }[] {
  return Array.from({ length: n }, (_, i) => ({
    key: `${tag}-key-${i}`,
    value: `${tag} value ${i} çãõ ☀️ ${'x'.repeat((i * 37) % 300)}`,
  }));
}

describe.skipIf(!hasTool('kcat'))('cross-client: kcat (librdkafka) and kafkajs on the embedded broker', () => {
  let broker: TestBroker;
  let kafka: Kafka;

  beforeAll(async () => {
    broker = await startTestBroker({ defaultPartitions: 3 });
    kafka = new Kafka({ brokers: [broker.brokers], clientId: 'kcat-compat', logLevel: logLevel.NOTHING });
  });
  afterAll(async () => {
    await broker.stop();
  });

  it('kcat -L lists topics with their partitions', async () => {
    const topic = randomTopic('listed');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 5 }] });
    await admin.disconnect();
    const { code, stdout } = await kcat(broker, ['-L', '-J']);
    expect(code).toBe(0);
    const meta = JSON.parse(stdout) as {
      brokers: { id: number; name: string }[];
      topics: { topic: string; partitions: { partition: number; leader: number }[] }[];
    };
    expect(meta.brokers).toEqual([{ id: 1, name: broker.brokers }]);
    const t = meta.topics.find((x) => x.topic === topic);
    expect(t?.partitions.map((p) => p.partition).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(t?.partitions.every((p) => p.leader === 1)).toBe(true);
  });

  for (const compression of ['none', 'gzip'] as const) {
    it(`kcat -P (${compression}) → kafkajs consumer: identical keys and payloads`, async () => {
      const topic = randomTopic(`kcat-to-js-${compression}`);
      const messages = sample(300, compression);
      const input = messages.map((m) => `${m.key}\t${m.value}\n`).join('');
      const produced = await kcat(broker, ['-P', '-t', topic, '-K', '\t', '-z', compression, '-X', 'acks=all'], input);
      expect(produced.code, produced.stderr).toBe(0);

      const consumer = kafka.consumer({ groupId: randomTopic('js-group'), maxWaitTimeInMs: 100 });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const got = new Map<string, Buffer>();
      await new Promise<void>((resolve, reject) => {
        consumer
          .run({
            eachMessage: async ({ message }) => {
              got.set(message.key!.toString('utf8'), message.value!);
              if (got.size === messages.length) resolve();
            },
          })
          .catch(reject);
      });
      await consumer.disconnect();
      for (const m of messages) expect(got.get(m.key)?.equals(Buffer.from(m.value, 'utf8'))).toBe(true);
    });
  }

  it('kafkajs producer → kcat -C with offsets: identical keys, payloads and headers', async () => {
    const topic = randomTopic('js-to-kcat');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    const messages = sample(200, 'js');
    await producer.send({
      topic,
      acks: -1,
      messages: messages.map((m, i) => ({ ...m, partition: i % 2, headers: { n: String(i) } })),
    });
    await producer.disconnect();

    const all = await kcat(broker, ['-C', '-t', topic, '-o', 'beginning', '-e', '-f', '%p|%o|%k|%s|%h\n']);
    expect(all.code, all.stderr).toBe(0);
    const lines = all.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.split('|'));
    expect(lines).toHaveLength(200);
    const byKey = new Map(lines.map(([p, o, k, v, h]) => [k, { p: Number(p), o: Number(o), v, h }]));
    messages.forEach((m, i) => {
      const got = byKey.get(m.key);
      expect(got?.v).toBe(m.value);
      expect(got?.p).toBe(i % 2);
      expect(got?.o).toBe(Math.floor(i / 2));
      expect(got?.h).toBe(`n=${i}`);
    });

    // Start from an absolute offset in one partition.
    const tail = await kcat(broker, ['-C', '-t', topic, '-p', '1', '-o', '95', '-e', '-f', '%o|%k\n']);
    expect(tail.stdout.trimEnd().split('\n')).toEqual([95, 96, 97, 98, 99].map((o) => `${o}|js-key-${o * 2 + 1}`));
  });

  it('kcat -G consumes every message as a balanced group member and commits its offsets', async () => {
    const topic = randomTopic('kcat-group');
    const groupId = randomTopic('kcat-g');
    const producer = kafka.producer();
    await producer.connect();
    const messages = sample(90, 'grp');
    await producer.send({ topic, acks: -1, messages: messages.map((m, i) => ({ ...m, partition: i % 3 })) });
    await producer.disconnect();

    const run = await kcat(broker, [
      '-G',
      groupId,
      topic,
      '-o',
      'beginning',
      '-e',
      '-f',
      '%k\n',
      '-X',
      'enable.auto.commit=true',
      '-X',
      'auto.commit.interval.ms=100',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trimEnd().split('\n').sort()).toEqual(messages.map((m) => m.key).sort());

    const admin = kafka.admin();
    await admin.connect();
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(committed[0]?.partitions.sort((a, b) => a.partition - b.partition).map((p) => p.offset)).toEqual([
      '30',
      '30',
      '30',
    ]);
    const groups = await admin.listGroups();
    expect(groups.groups.map((g) => g.groupId)).toContain(groupId);
    await admin.disconnect();

    // A second run of the group resumes from the committed offsets (OffsetFetch from librdkafka).
    const more = kafka.producer();
    await more.connect();
    await more.send({
      topic,
      acks: -1,
      messages: [0, 1, 2].map((p) => ({ key: `late-${p}`, value: 'v', partition: p })),
    });
    await more.disconnect();
    const resumed = await kcat(broker, ['-G', groupId, topic, '-e', '-f', '%k\n']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout.trimEnd().split('\n').sort()).toEqual(['late-0', 'late-1', 'late-2']);
  });
});
