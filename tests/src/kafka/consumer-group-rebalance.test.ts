import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { type Consumer, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomTopic, startTestBroker, type TestBroker } from '@ysh/test-helpers';

const KEYS = 24;
const TOTAL = 2400;

describe('consumer group of 3 kafkajs members over 6 partitions', () => {
  let broker: TestBroker;
  let kafka: Kafka;
  let child: ChildProcess | undefined;
  const consumers: Consumer[] = [];

  beforeAll(async () => {
    broker = await startTestBroker();
    kafka = new Kafka({ brokers: [broker.brokers], clientId: 'rebalance', logLevel: logLevel.NOTHING });
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await Promise.all(consumers.map((c) => c.disconnect().catch(() => {})));
    await broker.stop();
  });

  it('rebalances when a member is killed mid-stream and processes every message', async () => {
    const topic = randomTopic('rebalance');
    const groupId = randomTopic('group');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 6 }] });

    // (key, value) pairs processed by anyone; duplicates after a rebalance are allowed (at-least-once).
    const processed = new Map<string, Set<string>>();
    const record = (key: string, value: string) => {
      const set = processed.get(key) ?? new Set<string>();
      processed.set(key, set);
      set.add(value);
    };
    const assignments: number[][][] = [[], []];

    for (const [i] of [0, 1].entries()) {
      const c = kafka.consumer({
        groupId,
        sessionTimeout: 3000,
        heartbeatInterval: 300,
        rebalanceTimeout: 6000,
        maxWaitTimeInMs: 100,
      });
      c.on(c.events.GROUP_JOIN, (e) => assignments[i]!.push(e.payload.memberAssignment[topic] ?? []));
      await c.connect();
      await c.subscribe({ topic, fromBeginning: true });
      await c.run({ eachMessage: async ({ message }) => record(message.key!.toString(), message.value!.toString()) });
      consumers.push(c);
    }

    child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'group-member.ts'), broker.brokers, topic, groupId],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let childProcessed = 0;
    let childPartitions: number[] = [];
    const childJoined = new Promise<void>((resolve) => {
      createInterface({ input: child!.stdout! }).on('line', (line) => {
        const ev = JSON.parse(line) as { joined?: number[]; key?: string; value?: string };
        if (ev.joined) {
          childPartitions = ev.joined;
          if (ev.joined.length > 0) resolve();
        } else {
          record(ev.key!, ev.value!);
          childProcessed++;
        }
      });
    });
    await childJoined;

    const producer = kafka.producer();
    await producer.connect();
    const sent = new Map<string, number>();
    for (let i = 0; i < TOTAL; i += 100) {
      await producer.send({
        topic,
        acks: -1,
        messages: Array.from({ length: 100 }, (_, j) => {
          const key = `device-${(i + j) % KEYS}`;
          sent.set(key, (sent.get(key) ?? 0) + 1);
          return { key, value: String(i + j) };
        }),
      });
      if (i === TOTAL / 2) {
        // Kill the child member mid-stream, once it has processed some of its partitions.
        await expect.poll(() => childProcessed, { timeout: 20_000 }).toBeGreaterThan(0);
        child.kill('SIGKILL');
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    await producer.disconnect();

    const doneCount = () => [...processed.values()].reduce((n, s) => n + s.size, 0);
    await expect.poll(doneCount, { timeout: 40_000, interval: 200 }).toBe(TOTAL);

    // Reconcile per key: every value produced for a key was processed.
    for (const [key, count] of sent) expect(processed.get(key)?.size, key).toBe(count);
    expect(childPartitions.length).toBeGreaterThan(0);
    // After the kill the two survivors own all six partitions between them.
    const last = assignments.map((a) => a[a.length - 1] ?? []);
    expect([...last[0]!, ...last[1]!].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const described = await admin.describeGroups([groupId]);
    expect(described.groups[0]?.state).toBe('Stable');
    expect(described.groups[0]?.members).toHaveLength(2);
    await admin.disconnect();
  });
});
