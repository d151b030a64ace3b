import { TOPICS } from '@ysh/common';
import type { Producer } from 'kafkajs';
import type { AlertChannel } from '../alerts/outbox.ts';

/** Alert events on the `inverter_alerts` topic, keyed by alert id (one incident stays in one partition, in order). */
export function kafkaAlertsChannel(producer: Producer, topic: string = TOPICS.alerts): AlertChannel {
  return {
    name: 'kafka',
    async deliver(alert) {
      await producer.send({
        topic,
        acks: -1,
        messages: [{ key: alert.id, value: JSON.stringify(alert), headers: { event: alert.event } }],
      });
    },
  };
}
