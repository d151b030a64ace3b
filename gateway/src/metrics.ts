import { Counter, Gauge, Histogram, createMetricsRegistry, type Registry } from '@ysh/common';

export interface GatewayMetrics {
  registry: Registry;
  readings: Counter<'source' | 'outcome'>;
  payloadsRefused: Counter<'source'>;
  responses: Counter<'code'>;
  requestSeconds: Histogram<'route'>;
  produceRequests: Counter<'outcome'>;
  produceMessages: Histogram;
  produceSeconds: Histogram;
  inFlightBytes: Gauge;
  authQueries: Counter;
  dedupCommitFailures: Counter;
  mqttMessages: Counter<'outcome'>;
}

export function createGatewayMetrics(options: { defaultMetrics?: boolean } = {}): GatewayMetrics {
  const registry = createMetricsRegistry('gateway', options);
  const r = { registers: [registry] };
  return {
    registry,
    readings: new Counter({
      name: 'ysh_gateway_readings_total',
      help: 'Readings by source and outcome (accepted: newly stored; duplicate; rejected: sent to the DLQ)',
      labelNames: ['source', 'outcome'] as const,
      ...r,
    }),
    payloadsRefused: new Counter({
      name: 'ysh_gateway_payloads_refused_total',
      help: 'Whole payloads refused (not a batch), kept in the DLQ',
      labelNames: ['source'] as const,
      ...r,
    }),
    responses: new Counter({
      name: 'ysh_gateway_http_responses_total',
      help: 'HTTP answers by status code',
      labelNames: ['code'] as const,
      ...r,
    }),
    requestSeconds: new Histogram({
      name: 'ysh_gateway_request_seconds',
      help: 'Ingest request duration until the answer (includes the wait for Kafka)',
      labelNames: ['route'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      ...r,
    }),
    produceRequests: new Counter({
      name: 'ysh_gateway_kafka_produce_requests_total',
      help: 'Kafka produce requests by outcome',
      labelNames: ['outcome'] as const,
      ...r,
    }),
    produceMessages: new Histogram({
      name: 'ysh_gateway_kafka_produce_messages',
      help: 'Messages per Kafka produce request (batching)',
      buckets: [1, 10, 100, 500, 1000, 2500, 5000, 10000, 25000],
      ...r,
    }),
    produceSeconds: new Histogram({
      name: 'ysh_gateway_kafka_produce_seconds',
      help: 'Duration of Kafka produce requests',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 10],
      ...r,
    }),
    inFlightBytes: new Gauge({
      name: 'ysh_gateway_kafka_inflight_bytes',
      help: 'Bytes of readings queued for or in a Kafka produce request',
      ...r,
    }),
    authQueries: new Counter({
      name: 'ysh_gateway_auth_queries_total',
      help: 'Token lookups sent to the database',
      ...r,
    }),
    dedupCommitFailures: new Counter({
      name: 'ysh_gateway_dedup_commit_failures_total',
      help: 'Stored readings whose dedup mark could not be written',
      ...r,
    }),
    mqttMessages: new Counter({
      name: 'ysh_gateway_mqtt_messages_total',
      help: 'MQTT messages by outcome',
      labelNames: ['outcome'] as const,
      ...r,
    }),
  };
}
