import { Counter, Gauge, Histogram, type Registry } from '@ysh/common';
import type { GroupCoordinator } from './groups/coordinator.ts';
import type { TopicStore } from './topics/topic-store.ts';

/** Prometheus metrics of the broker (all names prefixed `ysh_kafka_`). */
export class BrokerMetrics {
  readonly bytesIn: Counter<'topic'>;
  readonly bytesOut: Counter<'topic'>;
  readonly messagesIn: Counter<'topic'>;
  readonly messagesOut: Counter<'topic'>;
  readonly connections: Gauge;
  readonly connectionsTotal: Counter;
  readonly requests: Counter<'api'>;
  readonly requestSeconds: Histogram<'api'>;
  readonly rejected: Counter<'reason'>;
  readonly corruptBatches: Counter<'topic'>;

  constructor(registry: Registry, topics: () => TopicStore, groups: () => GroupCoordinator) {
    const registers = [registry];
    this.bytesIn = new Counter({
      name: 'ysh_kafka_bytes_in_total',
      help: 'Record batch bytes appended, by topic',
      labelNames: ['topic'],
      registers,
    });
    this.bytesOut = new Counter({
      name: 'ysh_kafka_bytes_out_total',
      help: 'Record batch bytes served to fetchers, by topic',
      labelNames: ['topic'],
      registers,
    });
    this.messagesIn = new Counter({
      name: 'ysh_kafka_messages_in_total',
      help: 'Records appended, by topic',
      labelNames: ['topic'],
      registers,
    });
    this.messagesOut = new Counter({
      name: 'ysh_kafka_messages_out_total',
      help: 'Records served to fetchers, by topic',
      labelNames: ['topic'],
      registers,
    });
    this.connections = new Gauge({ name: 'ysh_kafka_connections', help: 'Open client connections', registers });
    this.connectionsTotal = new Counter({
      name: 'ysh_kafka_connections_total',
      help: 'Client connections accepted',
      registers,
    });
    this.requests = new Counter({
      name: 'ysh_kafka_requests_total',
      help: 'Requests handled, by API',
      labelNames: ['api'],
      registers,
    });
    this.requestSeconds = new Histogram({
      name: 'ysh_kafka_request_duration_seconds',
      help: 'Time from request decoded to response written (includes fetch long-poll waits), by API',
      labelNames: ['api'],
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
    this.rejected = new Counter({
      name: 'ysh_kafka_rejected_frames_total',
      help: 'Frames that closed their connection, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.corruptBatches = new Counter({
      name: 'ysh_kafka_corrupt_batches_total',
      help: 'Produced batches refused with CORRUPT_MESSAGE, by topic',
      labelNames: ['topic'],
      registers,
    });
    new Gauge({
      name: 'ysh_kafka_groups',
      help: 'Consumer groups by state',
      labelNames: ['state'],
      registers,
      collect() {
        for (const [state, n] of Object.entries(groups().countByState())) this.set({ state }, n);
      },
    });
    new Gauge({
      name: 'ysh_kafka_partitions',
      help: 'Partitions hosted',
      registers,
      collect() {
        let n = 0;
        for (const _ of topics().allPartitions()) n++;
        this.set(n);
      },
    });
    new Gauge({
      name: 'ysh_kafka_log_size_bytes',
      help: 'Bytes on disk in segment files, by topic',
      labelNames: ['topic'],
      registers,
      collect() {
        this.reset();
        for (const t of topics().topics.values()) {
          this.set(
            { topic: t.name },
            t.partitions.reduce((sum, p) => sum + p.sizeBytes, 0),
          );
        }
      },
    });
  }
}
