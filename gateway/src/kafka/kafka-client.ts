import { TOPICS, kafkajsLogCreator, type Logger } from '@ysh/common';
import { CompressionTypes, Kafka, logLevel, Partitioners, type Admin, type Producer } from 'kafkajs';
import type { Compression } from '../config.ts';
import type { OutMessage, SendBatch } from './batching-producer.ts';

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  compression: Compression;
  partitions: number;
  /** Idempotent producers, each owning the partitions p with p % producers = its index. */
  producers: number;
  /** The produce retry budget kafkajs gets (its own retries, then we answer 503). */
  produceTimeoutMs: number;
  logger: Logger;
}

export interface KafkaClient {
  /** One send per producer (lane). */
  sends: SendBatch[];
  /** Lane of a message; sets its partition (the default murmur2 partitioner's choice) once partition counts are known. */
  laneOf(message: OutMessage): number;
  /** Creates the telemetry topics when missing. */
  ensureTopics(): Promise<void>;
  ping(timeoutMs?: number): Promise<{ ok: boolean; detail?: string }>;
  close(): Promise<void>;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/**
 * kafkajs with the settings the gateway's promise needs: an idempotent
 * producer (acks=-1, one request in flight, so a retry never duplicates or
 * reorders within a partition), messages keyed by device id, and a bounded
 * retry budget so a produce settles (and the request gets its 503) instead of
 * retrying forever while the broker is away.
 */
export function createKafkaClient(options: KafkaClientOptions): KafkaClient {
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: 3000,
    requestTimeout: Math.max(5000, options.produceTimeoutMs),
    logLevel: logLevel.WARN,
    logCreator: kafkajsLogCreator(options.logger),
    retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2000 },
  });
  // Retry budget: roughly produceTimeoutMs in total across attempts.
  const retries = Math.max(1, Math.min(30, Math.floor(options.produceTimeoutMs / 1000)));
  const lanes = Array.from({ length: Math.max(1, options.producers) }, () => {
    const producer: Producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: { retries, initialRetryTime: 100, maxRetryTime: 1000 },
    });
    let connected: Promise<void> | undefined;
    producer.on(producer.events.DISCONNECT, () => {
      connected = undefined;
    });
    const connect = (): Promise<void> => {
      connected ??= producer.connect().catch((err: unknown) => {
        connected = undefined;
        throw err;
      });
      return connected;
    };
    return { producer, connect };
  });
  let admin: Admin | undefined;
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = new Map<string, Array<{ partitionId: number; leader: number }>>();
  const compression = options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;

  const getAdmin = async (): Promise<Admin> => {
    if (!admin) {
      const a = kafka.admin({ retry: { retries: 1 } });
      await a.connect();
      admin = a;
    }
    return admin;
  };

  return {
    sends: lanes.map((lane) => async (topicMessages) => {
      await lane.connect();
      return lane.producer.sendBatch({ topicMessages, acks: -1, compression, timeout: options.produceTimeoutMs });
    }),
    laneOf(message) {
      const meta = partitionMetadata.get(message.topic);
      if (!meta) return 0;
      const partition = partitioner({
        topic: message.topic,
        partitionMetadata: meta as never,
        message: { key: message.key, value: null },
      });
      message.partition = partition;
      return partition;
    },
    async ensureTopics() {
      const a = await getAdmin();
      const existing = new Set(await a.listTopics());
      const topics = [TOPICS.telemetry, TOPICS.telemetryDlq];
      const wanted = topics.filter((t) => !existing.has(t));
      if (wanted.length > 0)
        await a
          .createTopics({
            waitForLeaders: true,
            topics: wanted.map((topic) => ({ topic, numPartitions: options.partitions, replicationFactor: -1 })),
          })
          .catch((err: unknown) => {
            // Another instance may have created them in between.
            if (!/already exists/i.test(String((err as Error).message))) throw err;
          });
      const { topics: meta } = await a.fetchTopicMetadata({ topics });
      for (const t of meta) {
        partitionMetadata.set(
          t.name,
          t.partitions
            .map((p) => ({ partitionId: p.partitionId, leader: p.leader }))
            .sort((x, y) => x.partitionId - y.partitionId),
        );
      }
    },
    async ping(timeoutMs = 2000) {
      try {
        const a = await withTimeout(getAdmin(), timeoutMs, 'kafka connect');
        const cluster = await withTimeout(a.describeCluster(), timeoutMs, 'kafka describeCluster');
        return { ok: cluster.brokers.length > 0, detail: `${cluster.brokers.length} broker(s)` };
      } catch (err) {
        const a = admin;
        admin = undefined;
        await a?.disconnect().catch(() => {});
        return { ok: false, detail: err instanceof Error ? err.message : String(err) };
      }
    },
    async close() {
      await admin?.disconnect().catch(() => {});
      for (const lane of lanes) await lane.producer.disconnect().catch(() => {});
    },
  };
}
