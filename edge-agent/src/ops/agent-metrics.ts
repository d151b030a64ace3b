import { Counter, createMetricsRegistry, Gauge, Histogram, type Registry } from '@ysh/common';

/** Prometheus metrics of the edge agent (all prefixed `ysh_edge_`). */
export function createAgentMetrics(registry: Registry = createMetricsRegistry('edge-agent')) {
  const registers = [registry];
  return {
    registry,
    blockReads: new Counter({
      name: 'ysh_edge_block_reads_total',
      help: 'Modbus block reads by outcome (ok, timeout, exception, io)',
      labelNames: ['outcome'],
      registers,
    }),
    polls: new Counter({
      name: 'ysh_edge_polls_total',
      help: 'Successful device polls',
      labelNames: ['device'],
      registers,
    }),
    pollSkipped: new Counter({
      name: 'ysh_edge_poll_skipped_total',
      help: 'Poll ticks skipped because the previous poll of the device was still running',
      registers,
    }),
    deviceHealth: new Gauge({
      name: 'ysh_edge_device_health',
      help: 'Device health: 0 discovering, 1 online, 2 degraded, 3 offline',
      labelNames: ['device'],
      registers,
    }),
    devicesByHealth: new Gauge({
      name: 'ysh_edge_devices',
      help: 'Devices by health state',
      labelNames: ['health'],
      registers,
    }),
    readingsStored: new Counter({
      name: 'ysh_edge_readings_stored_total',
      help: 'Readings written and fsynced to the local buffer',
      registers,
    }),
    readingsSent: new Counter({
      name: 'ysh_edge_readings_sent_total',
      help: 'Readings acknowledged by the gateway (2xx / PUBACK)',
      registers,
    }),
    readingsRejected: new Counter({
      name: 'ysh_edge_readings_rejected_total',
      help: 'Readings the gateway acknowledged as rejected (its dead-letter queue holds them)',
      registers,
    }),
    readingsDropped: new Counter({
      name: 'ysh_edge_readings_dropped_total',
      help: 'Unsent readings dropped, oldest first, to keep the buffer within its disk budget',
      registers,
    }),
    storeErrors: new Counter({
      name: 'ysh_edge_store_errors_total',
      help: 'Readings that could not be written to the buffer',
      registers,
    }),
    clockJumps: new Counter({
      name: 'ysh_edge_clock_jump_readings_total',
      help: 'Readings flagged clock_jump',
      registers,
    }),
    backlog: new Gauge({
      name: 'ysh_edge_buffer_backlog',
      help: 'Readings stored and not yet acknowledged',
      registers,
    }),
    oldestUnsent: new Gauge({
      name: 'ysh_edge_oldest_unsent_seconds',
      help: 'Age of the oldest reading not yet acknowledged by the gateway (0 when caught up)',
      registers,
    }),
    bufferBytes: new Gauge({ name: 'ysh_edge_buffer_bytes', help: 'Bytes of buffer segment files on disk', registers }),
    batches: new Counter({
      name: 'ysh_edge_uplink_batches_total',
      help: 'Batches sent, by result (ok, retry)',
      labelNames: ['result'],
      registers,
    }),
    batchSeconds: new Histogram({
      name: 'ysh_edge_uplink_batch_seconds',
      help: 'Time to send one batch and get it acknowledged',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
  };
}

export type AgentMetrics = ReturnType<typeof createAgentMetrics>;
