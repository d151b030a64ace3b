import {
  type CliCommand,
  createLogger,
  createMetricsRegistry,
  gracefulShutdown,
  parseFlags,
  startOpsServer,
} from '@ysh/common';
import { startKafkaBroker } from './broker.ts';
import { loadBrokerConfig } from './config.ts';

const usage = `ysh broker [options]

Runs the embedded single-node Kafka-wire-protocol broker (durable, file-backed).
For single-machine installs and tests; not a replacement for a replicated Kafka cluster.

Options:
  --data-dir <dir>         data directory (default: $YSH_DATA_DIR/kafka)
  --host <addr>            interface to listen on (default: 127.0.0.1)
  --port <n>               Kafka port, 0 = ephemeral (default: $YSH_EMBEDDED_KAFKA_PORT or 19092)
  --ops-port <n>           /health and /metrics port, 0 = ephemeral (default: 7092)
  --partitions <n>         partitions of auto-created topics (default: 1)
  --fsync <batch|ms>       fsync each produce before acknowledging, or every <ms> (default: 1000)
  --retention-ms <n>       delete closed segments older than this
  --retention-bytes <n>    per partition, delete oldest closed segments above this size
  --segment-bytes <n>      roll to a new segment file past this size (default: 134217728)
  -h, --help               this text`;

const flags = {
  'data-dir': { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  'ops-port': { type: 'string' },
  partitions: { type: 'string' },
  fsync: { type: 'string' },
  'retention-ms': { type: 'string' },
  'retention-bytes': { type: 'string' },
  'segment-bytes': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const brokerCommand: CliCommand = {
  name: 'broker',
  summary: 'embedded single-node Kafka-wire-protocol broker',
  usage,
  async run(argv) {
    const { values } = parseFlags('broker', argv, flags);
    if (values.help) {
      process.stdout.write(`${usage}\n`);
      return;
    }
    const config = loadBrokerConfig(process.env, values);
    const logger = createLogger('kafka-broker', { level: config.logLevel });
    const registry = createMetricsRegistry('kafka-broker');
    const broker = await startKafkaBroker({
      dataDir: config.dataDir,
      host: config.host,
      port: config.port,
      defaultPartitions: config.defaultPartitions,
      fsync: config.fsync,
      retention: { ms: config.retentionMs, bytes: config.retentionBytes },
      segmentBytes: config.segmentBytes,
      logger,
      registry,
    });
    const ops = await startOpsServer({
      port: config.opsPort,
      host: config.host,
      registry,
      checks: { broker: () => ({ ok: !broker.state.closing, detail: broker.brokers }) },
    });
    logger.info({ brokers: broker.brokers, ops: ops.url }, 'ysh broker ready');
    const shutdown = gracefulShutdown({ logger });
    shutdown.add({ name: 'kafka broker', run: () => broker.close() });
    shutdown.add({ name: 'ops server', run: () => ops.close() });
    await new Promise<void>(() => {});
  },
};

export const commands: CliCommand[] = [brokerCommand];
