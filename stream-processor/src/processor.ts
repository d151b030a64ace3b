import { randomUUID } from 'node:crypto';
import {
  createLogger,
  createMetricsRegistry,
  Gauge,
  kafkajsLogCreator,
  ServiceNotProvidedError,
  type Logger,
  type Registry,
  type ServiceProvider,
} from '@ysh/common';
import { createPool, migrate, pingDatabase } from '@ysh/common/db';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import type pg from 'pg';
import { OutboxDispatcher, type AlertChannel } from './alerts/outbox.ts';
import type { ProcessorConfig } from './config.ts';
import { KafkaDriver } from './consumer/kafka-driver.ts';
import { ProcessorCore } from './processor-core.ts';
import { consoleChannel } from './sinks/console.ts';
import { InfluxSink } from './sinks/influx.ts';
import { kafkaAlertsChannel } from './sinks/kafka-alerts.ts';
import { slackChannel } from './sinks/slack.ts';

export interface ProcessorDeps {
  logger?: Logger;
  /** Where the database and Kafka are, unless `pool`/`databaseUrl` and `brokers` say it. */
  services?: ServiceProvider;
  /** A migrated-or-not pool; otherwise `databaseUrl`, otherwise `services.database()`. */
  pool?: pg.Pool;
  databaseUrl?: string;
  /** Bootstrap brokers; otherwise `services.kafkaBrokers()`. */
  brokers?: string[];
  registry?: Registry;
  /** Where console alert lines go (default stderr; null: log only). */
  consoleOut?: NodeJS.WritableStream | null;
  /** Extra alert channels (tests). */
  channels?: AlertChannel[];
  instanceId?: string;
}

export interface Processor {
  core: ProcessorCore;
  driver: KafkaDriver;
  outbox: OutboxDispatcher;
  pool: pg.Pool;
  registry: Registry;
  instanceId: string;
  health(): Promise<{ ok: boolean; detail?: string }>;
  stop(): Promise<void>;
}

function registerMetrics(registry: Registry, core: ProcessorCore, outbox: OutboxDispatcher, driver: KafkaDriver): void {
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  const e = core.engine.counters;
  const c = core.counters;
  gauge('ysh_processor_readings_total', 'readings folded into windows', () => e.readings);
  gauge('ysh_processor_duplicates_total', 'readings delivered again and counted once', () => e.duplicates);
  gauge('ysh_processor_windows_closed_total', 'first results of (device, window)', () => e.windowsClosed);
  gauge('ysh_processor_corrections_total', 'corrected results replacing an earlier one', () => e.corrections);
  gauge('ysh_processor_invalid_total', 'messages that were not readings', () => c.invalid);
  gauge('ysh_processor_alerts_opened_total', 'incidents opened by this instance', () => c.alertsOpened);
  gauge('ysh_processor_alerts_resolved_total', 'incidents resolved by this instance', () => c.alertsResolved);
  gauge('ysh_processor_checkpoints_total', 'durable checkpoints written', () => c.flushes);
  gauge('ysh_processor_active_devices', 'devices with state in memory', () => core.engine.windows.devices.size);
  gauge('ysh_processor_partitions', 'partitions owned', () => core.partitions.size);
  gauge('ysh_processor_rebalances_total', 'consumer group joins', () => driver.rebalances);
  gauge('ysh_processor_notifications_delivered_total', 'alert notifications delivered', () => outbox.delivered);
  gauge('ysh_processor_notification_failures_total', 'failed notification attempts (retried)', () => outbox.failures);
  new Gauge({
    name: 'ysh_processor_consumer_lag',
    help: "messages behind the partition's high watermark after the last batch fetched from it",
    labelNames: ['partition'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [partition, lag] of driver.lag) this.set({ partition: String(partition) }, lag);
    },
  });
}

/**
 * Starts a processor instance: consumer group member on the telemetry topic,
 * checkpoints in PostgreSQL, sinks and alert channels as configured.
 */
export async function startProcessor(config: ProcessorConfig, deps: ProcessorDeps = {}): Promise<Processor> {
  const logger = deps.logger ?? createLogger('processor', { level: config.common.logLevel });
  const instanceId = deps.instanceId ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
  let closeDb: (() => Promise<void>) | undefined;
  let pool = deps.pool;
  if (!pool && deps.databaseUrl) {
    pool = createPool(deps.databaseUrl, { application: 'ysh-processor', logger });
    const own = pool;
    closeDb = () => own.end();
  }
  if (pool) await migrate(pool, { logger });
  else {
    if (!deps.services) throw new ServiceNotProvidedError('the processor database');
    // The embedded PGlite is one session however many connections share it: one is enough, and spares its multiplexer.
    const handle = await deps.services.database({
      logger,
      application: 'ysh-processor',
      max: config.common.databaseUrl ? 5 : 1,
    });
    pool = handle.pool;
    closeDb = () => handle.close();
  }
  const brokers = deps.brokers ?? deps.services?.kafkaBrokers();
  if (!brokers) {
    await closeDb?.();
    throw new ServiceNotProvidedError('the processor Kafka brokers');
  }
  const kafka = new Kafka({
    clientId: 'ysh-processor',
    brokers,
    connectionTimeout: 3000,
    logLevel: logLevel.WARN,
    logCreator: kafkajsLogCreator(logger),
    retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 3000 },
  });
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const influx = config.influx ? new InfluxSink({ ...config.influx, logger }) : undefined;
  const channels: AlertChannel[] = [kafkaAlertsChannel(producer, config.alertsTopic, kafka)];
  if (config.slack) channels.push(slackChannel(config.slack));
  if (influx) channels.push(influx.alertChannel());
  if (config.consoleAlerts)
    channels.push(consoleChannel(logger, deps.consoleOut === undefined ? process.stderr : deps.consoleOut));
  channels.push(...(deps.channels ?? []));

  const core = new ProcessorCore(
    {
      groupId: config.groupId,
      topic: config.topic,
      instanceId,
      engine: { windows: config.windows, rules: config.rules, expectedIntervalMs: config.expectedIntervalMs },
      channels: channels.map((c) => c.name),
      siteWaitMs: config.siteWaitMs,
      siteActiveHorizonMs: config.siteActiveHorizonMs,
      nameplates: config.nameplates,
      escalateAfterMs: config.escalateAfterMs,
    },
    { pool, logger, ...(influx ? { influx } : {}) },
  );
  const outbox = new OutboxDispatcher(pool, channels, logger, config.outbox);
  let nudges: Promise<unknown> = Promise.resolve();
  const driver = new KafkaDriver(
    kafka,
    core,
    {
      groupId: config.groupId,
      topic: config.topic,
      commitIntervalMs: config.commitIntervalMs,
      publishIntervalMs: config.publishIntervalMs,
      stateEvery: config.stateEvery,
      tickIntervalMs: config.tickIntervalMs,
      sessionTimeoutMs: config.sessionTimeoutMs,
      maxBytesPerPartition: config.maxBytesPerPartition,
      fetchWaitMs: config.fetchWaitMs,
      fromBeginning: true,
      // Alert changes just made durable go out now rather than at the outbox's next poll.
      onWritten: (job) => {
        if (job.transitions.length > 0) nudges = nudges.then(() => outbox.runOnce()).catch(() => {});
      },
    },
    logger,
  );
  const registry = deps.registry ?? createMetricsRegistry('processor');
  registerMetrics(registry, core, outbox, driver);

  await driver.start();
  outbox.start();
  core.alertClock.start(config.commLossCheckMs, logger);
  const db = pool;
  logger.info(
    { instanceId, brokers, group: config.groupId, topic: config.topic, channels: outbox.channelNames },
    'processor started',
  );

  let stopped: Promise<void> | undefined;
  return {
    core,
    driver,
    outbox,
    pool: db,
    registry,
    instanceId,
    async health() {
      if (!driver.running) return { ok: false, detail: 'consumer not running' };
      return pingDatabase(db);
    },
    stop() {
      stopped ??= (async () => {
        await core.alertClock.stop();
        await driver.stop();
        await nudges;
        await outbox.stop(true);
        await producer.disconnect().catch(() => {});
        await influx?.close();
        await closeDb?.();
        logger.info({ instanceId }, 'processor stopped');
      })();
      return stopped;
    },
  };
}
