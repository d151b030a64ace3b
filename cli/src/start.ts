import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import {
  DEFAULT_PORTS,
  createLogger,
  createMetricsRegistry,
  gracefulShutdown,
  intFlag,
  loadCommonConfig,
  numberFlag,
  parseDuration,
  parseFlags,
  startOpsServer,
  ConfigError,
  type CliCommand,
  type CommonConfig,
  type GracefulShutdown,
  type HealthCheck,
  type Logger,
} from '@ysh/common';
import { type Pool, pingDatabase } from '@ysh/common/db';
import { PORT_SPAN, platformPorts } from './platform/ports.ts';
import { createServices } from './services.ts';

const say = (line: string) => process.stdout.write(`${line}\n`);

function table(rows: Array<[string, string]>): string[] {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
}

/** `--infra-only`: the embedded services alone (database, MQTT), for working on one component. */
async function startInfra(common: Readonly<CommonConfig>, opsPort: number, logger: Logger, shutdown: GracefulShutdown) {
  const closers: Array<() => Promise<void>> = [];
  shutdown.add({
    name: 'infra',
    run: async () => {
      for (const c of closers.reverse()) await c();
      say('stopped cleanly; state kept in the data directory');
    },
  });
  const checks: Record<string, HealthCheck> = {};
  const rows: Array<[string, string]> = [['data directory', common.dataDir]];
  const services = createServices(common);
  const db = await services.database({ logger, application: 'ysh-start' });
  closers.push(() => db.close());
  checks.postgres = () => pingDatabase(db.pool);
  rows.push([
    'postgres',
    `${db.url.replace(/:[^:@/]*@/, ':***@')}  (${db.mode === 'external' ? 'external' : 'embedded PGlite, pgvector'})`,
  ]);
  if (!common.mqttUrl && services.mqttBroker) {
    const mqtt = await services.mqttBroker({ port: common.embedded.mqttPort, logger });
    closers.push(() => mqtt.close());
    checks.mqtt = () => ({ ok: !mqtt.closed });
    rows.push(['mqtt', `${mqtt.url}  (embedded aedes)`]);
  }
  const ops = await startOpsServer({ port: opsPort, registry: createMetricsRegistry('platform'), checks });
  closers.push(() => ops.close());
  rows.push(['health', `${ops.url}/health`], ['metrics', `${ops.url}/metrics`]);
  say('YSH Telemetry — embedded services only');
  for (const line of table(rows)) say(line);
  say('Ctrl-C stops everything.');
}

/** The first start creates an admin for the API and console; its password is printed that once. */
async function ensureDemoAdmin(pool: Pool): Promise<{ email: string; password: string } | undefined> {
  const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM api_users');
  if ((rows[0]?.n ?? 0) > 0) return undefined;
  const { IdentityStore } = await import('@ysh/admin-api');
  const email = 'admin@ysh.local';
  const password = randomBytes(12).toString('base64url');
  await new IdentityStore(pool, { sessionTtlMs: 3_600_000 }).addUser({ email, password, role: 'admin', sites: null });
  return { email, password };
}

/**
 * `npm start`: the whole telemetry path on one machine. Embedded parts stand in
 * for every service whose YSH_* variable is unset; set variables point at real services.
 */
export const startCommand: CliCommand = {
  name: 'start',
  summary: 'run the whole platform on this machine: broker, database, simulator, edge agents, gateway, processor',
  usage: `ysh start [--port P] [--port-base B] [--data-dir D] [--speed X] [--seed S] [--window W] [--infra-only]

Runs the embedded PostgreSQL (PGlite) and site-LAN MQTT broker in this process, and as their
own processes the Kafka-protocol broker, the inverter simulator (3 sites, 30 inverters, Modbus
and MQTT, with scripted faults), one edge agent per site, the gateway and the stream processor.
Prints where everything listens, a live summary and one line per alert; Ctrl-C stops it all and
the next start resumes from the data directory. Components' JSON logs go to <data dir>/logs.
  --port P       /health and /metrics of the platform (default ${DEFAULT_PORTS.platform})
  --port-base B  every other port from B to B+${PORT_SPAN - 1} (embedded PostgreSQL, MQTT and Kafka
                 included) instead of the defaults, to run beside another platform
  --data-dir D   data directory (default $YSH_DATA_DIR or ./.ysh-data)
  --speed X      simulated seconds per real second (default 10)
  --seed S       simulator seed (default 7)
  --window W     processor window (default 20s, so the demo shows alerts within a minute)
  --infra-only   only the embedded database and MQTT broker`,
  async run(argv) {
    const { values } = parseFlags('start', argv, {
      port: { type: 'string' },
      'port-base': { type: 'string' },
      'data-dir': { type: 'string' },
      speed: { type: 'string' },
      seed: { type: 'string' },
      window: { type: 'string' },
      'infra-only': { type: 'boolean' },
    });
    const env = values['data-dir'] ? { ...process.env, YSH_DATA_DIR: values['data-dir'] } : process.env;
    const loaded = loadCommonConfig(env);
    const base =
      values['port-base'] === undefined
        ? undefined
        : intFlag('port-base', values['port-base'], 0, 1, 65535 - PORT_SPAN);
    const { ports, embedded } = platformPorts(loaded, base);
    const common: Readonly<CommonConfig> = Object.freeze({ ...loaded, embedded });
    const opsPort = intFlag('port', values.port, DEFAULT_PORTS.platform, 0, 65535);
    const speed = numberFlag('speed', values.speed, 10, 0.1, 3600);
    const seed = intFlag('seed', values.seed, 7, 0, 2 ** 31);
    const window = values.window ?? '20s';
    if (parseDuration(window) === undefined)
      throw new ConfigError('--window', `expected a duration such as 30s or 5m, got ${JSON.stringify(window)}`);
    const logger = createLogger('platform', { level: common.logLevel === 'info' ? 'warn' : common.logLevel });
    const shutdown = gracefulShutdown({ logger, deadlineMs: 60_000 });
    await mkdir(common.dataDir, { recursive: true });
    if (values['infra-only']) {
      await startInfra(common, opsPort, logger, shutdown);
      await new Promise(() => {});
    }

    say(`YSH Telemetry — starting the platform in ${common.dataDir} (component logs in ${common.dataDir}/logs)`);
    const services = createServices(common);
    // Loaded when the platform starts, not whenever `ysh` loads its commands.
    const { startPlatform } = await import('./platform/platform.ts');
    const { followAlerts, startSummary } = await import('./platform/live-console.ts');
    const { grafanaRows } = await import('./platform/grafana-hint.ts');
    const platform = await startPlatform({
      common,
      services,
      ports,
      speed,
      seed,
      window,
      logger,
      stopping: () => shutdown.stopping,
    });
    const stops: Array<() => Promise<void> | void> = [];
    shutdown.add({
      name: 'platform',
      run: async () => {
        say('stopping: edge agents, simulator, gateway, processor, broker, database…');
        for (const stop of stops.reverse()) await stop();
        await platform.close();
        say('stopped cleanly; state kept in the data directory');
      },
    });
    const ops = await startOpsServer({
      port: opsPort,
      registry: createMetricsRegistry('platform'),
      checks: {
        postgres: () => pingDatabase(platform.db.pool),
        ...Object.fromEntries(
          [...platform.health].map(([name, url]) => [
            name,
            async () => ({
              ok: (await fetch(url, { signal: AbortSignal.timeout(2000) }).catch(() => undefined))?.ok === true,
            }),
          ]),
        ),
      },
    });
    stops.push(() => ops.close());

    const rows: Array<[string, string]> = [
      ['data directory', common.dataDir],
      [
        'postgres',
        `${platform.db.url.replace(/:[^:@/]*@/, ':***@')}  (${platform.db.mode === 'external' ? 'external' : 'embedded PGlite'})`,
      ],
      ['kafka', `${services.kafkaBrokers().join(',')}  (${common.kafkaBrokers ? 'external' : 'embedded broker'})`],
      [
        'mqtt (cloud)',
        `${common.mqttUrl ?? `mqtt://127.0.0.1:${ports.cloudMqtt}`}  (site tokens; served by the gateway when embedded)`,
      ],
      ['mqtt (site LAN)', `${platform.siteMqtt.url}  (simulated dataloggers)`],
      ['gateway', `http://127.0.0.1:${ports.gateway}/v1/telemetry`],
      ['web console', `http://127.0.0.1:${ports.api}/  (log in with the demo user below)`],
      ['admin API', `http://127.0.0.1:${ports.api}/v1  docs http://127.0.0.1:${ports.api}/docs`],
      ['sim', `modbus 127.0.0.1:${ports.sim} (unit ids 1-21), control http://127.0.0.1:${ports.simControl}`],
      ['sites', platform.layout.sites.map((s) => `${s.id} (${s.devices.length})`).join(', ')],
      ['platform', `${ops.url}/health  ${ops.url}/metrics`],
      ...[...platform.health].map(([name, url]): [string, string] => [name, `${url}  ${platform.metrics.get(name)}`]),
      ...(await grafanaRows(common.dataDir, platform.metrics, env.YSH_INFLUX_URL)),
    ];
    say('YSH Telemetry — single-machine platform');
    for (const line of table(rows)) say(line);
    const demo = await ensureDemoAdmin(platform.db.pool);
    if (demo)
      say(
        `admin API demo user (shown once, store it now): ${demo.email}  password ${demo.password}  (ysh users add … for more)`,
      );
    say('Ctrl-C stops everything.');
    say('catalog and tariffs: materializing on the batch-jobs worker…');
    platform.domainData.then(say, (err: Error) => {
      if (!shutdown.stopping) say(`catalog and tariffs: not materialized: ${err.message}`);
    });

    stops.push(await followAlerts(services.kafkaBrokers(), say));
    stops.push(
      startSummary(
        {
          gateway: platform.metrics.get('gateway') as string,
          processor: platform.metrics.get('processor') as string,
          edges: new Map(platform.layout.sites.map((s) => [s.id, platform.metrics.get(`edge-${s.id}`) as string])),
        },
        say,
      ),
    );
    await new Promise(() => {});
  },
};

export const commands: CliCommand[] = [startCommand];
