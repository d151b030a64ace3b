import { randomUUID } from 'node:crypto';
import { TOPICS } from '@ysh/common';
import type { Kafka, Producer } from 'kafkajs';
import type { Alert } from '@ysh/common';
import type { AlertChannel } from '../alerts/outbox.ts';

/** How far back from each partition's end an in-doubt event is looked for. */
const CHECK_TAIL = 2000;
const CHECK_TIMEOUT_MS = 15_000;

/**
 * Alert events on the `inverter_alerts` topic, keyed by alert id (one incident stays in one
 * partition, in order). With `kafka`, an event in doubt (its earlier sender was killed between
 * sending and recording it) is looked for at the end of the topic before it is sent again.
 */
export function kafkaAlertsChannel(producer: Producer, topic: string = TOPICS.alerts, kafka?: Kafka): AlertChannel {
  return {
    name: 'kafka',
    async deliver(alert) {
      await producer.send({
        topic,
        acks: -1,
        messages: [{ key: alert.id, value: JSON.stringify(alert), headers: { event: alert.event } }],
      });
    },
    ...(kafka ? { delivered: (alert: Alert) => onTopic(kafka, topic, alert) } : {}),
  };
}

/** Whether the last CHECK_TAIL messages of some partition hold this alert's event. */
async function onTopic(kafka: Kafka, topic: string, alert: Alert): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  let ends: Array<{ partition: number; low: string; high: string }>;
  try {
    ends = await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
  const pending = new Map(
    ends.filter((e) => BigInt(e.high) > BigInt(e.low)).map((e) => [e.partition, BigInt(e.high)] as const),
  );
  if (pending.size === 0) return false;
  // A throwaway group that commits nothing: it only reads.
  const consumer = kafka.consumer({ groupId: `ysh-alerts-check-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    return await new Promise<boolean>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`could not read the end of ${topic} within ${CHECK_TIMEOUT_MS} ms`)),
        CHECK_TIMEOUT_MS,
      );
      const settle = (found: boolean) => {
        clearTimeout(timer);
        resolve(found);
      };
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const high = pending.get(batch.partition);
            if (high === undefined) return;
            for (const m of batch.messages) {
              if (BigInt(m.offset) >= high) break;
              if (m.key?.toString() === alert.id && m.headers?.event?.toString() === alert.event) return settle(true);
            }
            if (BigInt(batch.lastOffset()) + 1n >= high) pending.delete(batch.partition);
            if (pending.size === 0) settle(false);
          },
        })
        .then(() => {
          for (const e of ends) {
            const from = BigInt(e.high) - BigInt(CHECK_TAIL);
            consumer.seek({
              topic,
              partition: e.partition,
              offset: String(from > BigInt(e.low) ? from : BigInt(e.low)),
            });
          }
        }, reject);
    });
  } finally {
    await consumer.disconnect();
  }
}
