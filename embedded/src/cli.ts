import { join } from 'node:path';
import {
  createLogger,
  createMetricsRegistry,
  gracefulShutdown,
  intFlag,
  loadCommonConfig,
  parseFlags,
  startOpsServer,
  type CliCommand,
} from '@ysh/common';
import { createPool, migrate } from '@ysh/common/db';
import { commands as brokerCommands } from './kafka/cli.ts';

// PGlite and aedes are imported when their command runs, not whenever `ysh` loads its commands.

const postgresCommand: CliCommand = {
  name: 'postgres',
  summary: 'serve the embedded PostgreSQL (PGlite, file-backed, pgvector) over the wire protocol',
  usage: `ysh postgres [--port P] [--data-dir D]

Serves the embedded database so other processes reach it with any PostgreSQL client
(psql "postgres://postgres@127.0.0.1:P/postgres?sslmode=disable"). Applies migrations on start.
  --port P       listen port (default YSH_EMBEDDED_POSTGRES_PORT or 15432)
  --data-dir D   data directory (default $YSH_DATA_DIR/postgres)`,
  async run(argv) {
    const { values } = parseFlags('postgres', argv, { port: { type: 'string' }, 'data-dir': { type: 'string' } });
    const common = loadCommonConfig(process.env);
    const logger = createLogger('postgres', { level: common.logLevel });
    const port = intFlag('port', values.port, common.embedded.postgresPort, 0, 65535);
    const { startEmbeddedPostgres } = await import('./postgres/embedded-postgres.ts');
    const pg = await startEmbeddedPostgres({
      dataDir: values['data-dir'] ?? join(common.dataDir, 'postgres'),
      port,
      logger,
    });
    const pool = createPool(pg.url, { max: 1, logger });
    await migrate(pool, { logger });
    await pool.end();
    const shutdown = gracefulShutdown({ logger });
    shutdown.add({ name: 'postgres', run: () => pg.close() });
    await new Promise(() => {});
  },
};

const mqttCommand: CliCommand = {
  name: 'mqtt',
  summary: 'serve the embedded MQTT broker (aedes), without authentication',
  usage: `ysh mqtt [--port P] [--ops-port O]

An MQTT 3.1.1/5 broker for local development. The gateway starts its own with site-token
authentication; this one lets every client in.
  --port P       listen port (default YSH_EMBEDDED_MQTT_PORT or 11883)
  --ops-port O   /health and /metrics (default 0 = none)`,
  async run(argv) {
    const { values } = parseFlags('mqtt', argv, { port: { type: 'string' }, 'ops-port': { type: 'string' } });
    const common = loadCommonConfig(process.env);
    const logger = createLogger('mqtt', { level: common.logLevel });
    const { startEmbeddedMqtt } = await import('./mqtt/embedded-mqtt.ts');
    const mqtt = await startEmbeddedMqtt({
      port: intFlag('port', values.port, common.embedded.mqttPort, 0, 65535),
      logger,
    });
    const shutdown = gracefulShutdown({ logger });
    const opsPort = intFlag('ops-port', values['ops-port'], 0, 0, 65535);
    if (opsPort > 0) {
      const registry = createMetricsRegistry('mqtt');
      const ops = await startOpsServer({
        port: opsPort,
        registry,
        checks: { mqtt: () => ({ ok: !mqtt.broker.closed }) },
      });
      shutdown.add({ name: 'ops', run: () => ops.close() });
    }
    shutdown.add({ name: 'mqtt', run: () => mqtt.close() });
    await new Promise(() => {});
  },
};

/** The package's `./cli` export: each stand-in as a service of its own (the Kafka broker's from `kafka/cli.ts`). */
export const commands: CliCommand[] = [postgresCommand, mqttCommand, ...brokerCommands];
