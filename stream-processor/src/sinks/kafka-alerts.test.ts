import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomTopic, startTestBroker, testDatabase, type TestBroker, type TestDatabase } from '@ysh/test-helpers';
import { applyTransitions } from '../alerts/alert-store.ts';
import { OutboxDispatcher } from '../alerts/outbox.ts';
import type { AlertTransition } from '../alerts/types.ts';
import { silent } from '../testing/core-harness.ts';
import { kafkaAlertsChannel } from './kafka-alerts.ts';

const T = Date.parse('2026-11-21T13:00:00Z');
const transition = (id: string, device: string): AlertTransition => ({
  type: 'open',
  id,
  site: 'site-sp-001',
  device,
  rule: 'fault_state',
  severity: 'critical',
  since: T,
  at: T + 300_000,
  value: 4,
  message: 'operating state FAULT in 4 of 30 readings',
});

/** "<alert id> <event>" of every message of the topic. */
async function topicEvents(kafka: Kafka, topic: string): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const total = ends.reduce((s, e) => s + Number(e.high), 0);
  const out: string[] = [];
  const consumer = kafka.consumer({ groupId: `read-${Math.random()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        out.push(`${message.key?.toString()} ${message.headers?.event?.toString()}`);
        if (out.length >= total) resolve();
      },
    });
  });
  await consumer.disconnect();
  return out.sort();
}

describe('inverter_alerts channel: a notification in doubt after a killed sender', () => {
  let broker: TestBroker;
  let db: TestDatabase;
  let kafka: Kafka;
  let producer: Producer;
  beforeAll(async () => {
    [broker, db] = await Promise.all([startTestBroker(), testDatabase()]);
    kafka = new Kafka({ clientId: 'alerts-test', brokers: [broker.brokers], logLevel: logLevel.NOTHING });
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
  }, 60_000);
  afterAll(async () => {
    await producer?.disconnect();
    await db?.close();
    await broker?.stop();
  });

  it('is not sent again when the earlier attempt reached the topic, and is sent when it did not', async () => {
    const topic = randomTopic('alerts');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    await admin.disconnect();
    const channel = kafkaAlertsChannel(producer, topic, kafka);
    await applyTransitions(db.pool, [transition('al_sent', 'inv-0001'), transition('al_lost', 'inv-0002')], ['kafka']);

    // A sender claimed both, sent the first to the topic and was killed before recording anything.
    const { rows } = await db.pool.query<{ payload: never; alert_id: string }>(
      `UPDATE notification_outbox SET attempts = 1, sending_since = now(), next_attempt_at = now()
       RETURNING payload, alert_id`,
    );
    await channel.deliver(rows.find((r) => r.alert_id === 'al_sent')?.payload as never);

    const dispatcher = new OutboxDispatcher(db.pool, [channel], silent);
    expect(await dispatcher.runOnce()).toEqual({ delivered: 2, failed: 0 });
    expect(await dispatcher.pending()).toBe(0);
    expect(await topicEvents(kafka, topic)).toEqual(['al_lost opened', 'al_sent opened']);
    const after = await db.pool.query(
      'SELECT count(*)::int AS n FROM notification_outbox WHERE sending_since IS NOT NULL',
    );
    expect(after.rows[0]).toEqual({ n: 0 });
  }, 60_000);
});
