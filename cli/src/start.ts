import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_PORTS,
  createLogger,
  createMetricsRegistry,
  gracefulShutdown,
  intFlag,
  loadCommonConfig,
  parseFlags,
  startOpsServer,
  type CliCommand,
  type HealthCheck,
} from '@ysh/common';
import { pingDatabase } from '@ysh/common/db';
import { connectDatabase, startEmbeddedMqtt } from '@ysh/embedded';

interface Part {
  name: string;
  where: string;
  kind: string;
  check: HealthCheck;
}

const KAFKA_MODULE = new URL('../../embedded/src/kafka/index.ts', import.meta.url);

/**
 * `npm start`: the platform on one machine. Embedded parts stand in for every
 * service whose YSH_* variable is unset; set variables point at real services.
 */
export const startCommand: CliCommand = {
  name: 'start',
  summary: 'run the whole platform on this machine (embedded parts for every unset service)',
  usage: `ysh start [--port P] [--data-dir D]

Starts the embedded PostgreSQL (PGlite), MQTT broker and Kafka-protocol broker (each only
when its YSH_* variable is unset) and the components that exist in this checkout, prints
where everything listens, and stops it all cleanly on Ctrl-C.
  --port P       /health and /metrics of the platform (default ${DEFAULT_PORTS.platform})
  --data-dir D   embedded data directory (default $YSH_DATA_DIR or ./.ysh-data)`,
  async run(argv) {
    const { values } = parseFlags('start', argv, { port: { type: 'string' }, 'data-dir': { type: 'string' } });
    const env = values['data-dir'] ? { ...process.env, YSH_DATA_DIR: values['data-dir'] } : process.env;
    const common = loadCommonConfig(env);
    const opsPort = intFlag('port', values.port, DEFAULT_PORTS.platform, 0, 65535);
    const logger = createLogger('platform', { level: common.logLevel === 'info' ? 'warn' : common.logLevel });
    const shutdown = gracefulShutdown({ logger, deadlineMs: 15_000 });
    await mkdir(common.dataDir, { recursive: true });
    const parts: Part[] = [];
    // Opened in dependency order, closed in reverse: intake (ops) first, the database last.
    const closers: Array<() => Promise<void>> = [];
    shutdown.add({
      name: 'platform',
      run: async () => {
        for (const close of closers.reverse()) await close();
        process.stdout.write('stopped cleanly; state kept in the data directory\n');
      },
    });

    const db = await connectDatabase(common, { logger, application: 'ysh-start' });
    closers.push(() => db.close());
    parts.push({
      name: 'postgres',
      where: db.url.replace(/:[^:@/]*@/, ':***@'),
      kind: db.mode === 'external' ? 'external (YSH_DATABASE_URL)' : 'embedded PGlite, pgvector',
      check: () => pingDatabase(db.pool),
    });

    if (common.mqttUrl) {
      parts.push({ name: 'mqtt', where: common.mqttUrl, kind: 'external (YSH_MQTT_URL)', check: () => ({ ok: true }) });
    } else {
      const mqtt = await startEmbeddedMqtt({ port: common.embedded.mqttPort, logger });
      closers.push(() => mqtt.close());
      parts.push({ name: 'mqtt', where: mqtt.url, kind: 'embedded aedes', check: () => ({ ok: !mqtt.broker.closed }) });
    }

    if (common.kafkaBrokers) {
      parts.push({
        name: 'kafka',
        where: common.kafkaBrokers.join(','),
        kind: 'external (YSH_KAFKA_BROKERS)',
        check: () => ({ ok: true }),
      });
    } else if (existsSync(fileURLToPath(KAFKA_MODULE))) {
      const { startKafkaBroker } = (await import(KAFKA_MODULE.href)) as {
        startKafkaBroker: (o: {
          dataDir: string;
          port: number;
          logger: unknown;
        }) => Promise<{ brokers: string; close(): Promise<void> }>;
      };
      const broker = await startKafkaBroker({
        dataDir: join(common.dataDir, 'kafka'),
        port: common.embedded.kafkaPort,
        logger,
      });
      closers.push(() => broker.close());
      parts.push({
        name: 'kafka',
        where: broker.brokers,
        kind: 'embedded Kafka-protocol broker',
        check: () => ({ ok: true }),
      });
    }

    const registry = createMetricsRegistry('platform');
    const ops = await startOpsServer({
      port: opsPort,
      registry,
      checks: Object.fromEntries(parts.map((p) => [p.name, p.check])),
    });
    closers.push(() => ops.close());

    const width = Math.max(...parts.map((p) => p.name.length), 'data directory'.length);
    const lines = [
      'YSH Telemetry — single-machine platform',
      `${'data directory'.padEnd(width)}  ${common.dataDir}`,
      ...parts.map((p) => `${p.name.padEnd(width)}  ${p.where}  (${p.kind})`),
      `${'health'.padEnd(width)}  ${ops.url}/health`,
      `${'metrics'.padEnd(width)}  ${ops.url}/metrics`,
      'Ctrl-C stops everything.',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    await new Promise(() => {});
  },
};

export const commands: CliCommand[] = [startCommand];
