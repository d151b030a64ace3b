import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommonConfig, DatabaseHandle, HostedMqttBroker, Logger, ServiceProvider } from '@ysh/common';
import { startEmbeddedMqtt } from '@ysh/embedded';
import { PlatformError } from '../errors.ts';
import { ChildService, YSH_BIN } from './child-service.ts';
import { writeDemoFleet, writeEdgeConfig, type DemoLayout, type DemoSite } from './demo-fleet.ts';
import { seedDemoProposal } from './demo-proposal.ts';
import { domainDataReady, queueDomainData } from './domain-data.ts';
import { runYsh } from './run-ysh.ts';

export interface PlatformPorts {
  kafka: number;
  kafkaOps: number;
  cloudMqtt: number;
  siteMqtt: number;
  gateway: number;
  processor: number;
  sim: number;
  simControl: number;
  /** /health and /metrics of the batch-jobs worker. */
  jobs: number;
  /** The admin API (its /health and /metrics too). */
  api: number;
  /** Edge agent k (0-based) gets edge + k. */
  edge: number;
}

export interface PlatformOptions {
  common: Readonly<CommonConfig>;
  /** The database of the platform (real or embedded, as the wiring decided). */
  services: ServiceProvider;
  ports: PlatformPorts;
  /** Simulated seconds per real second. */
  speed: number;
  seed: number;
  /** Event-time window of the processor (the demo uses short windows so alerts show within a minute). */
  window: string;
  /** Extra environment for every component (e.g. YSH_LOG_LEVEL). */
  env?: NodeJS.ProcessEnv;
  logger: Logger;
  /** True once whoever runs the platform began to stop it (e.g. on Ctrl-C), before `close()` is reached. */
  stopping?: () => boolean;
}

export interface Platform {
  layout: DemoLayout;
  db: DatabaseHandle;
  services: Map<string, ChildService>;
  /** URL of each service's /health, by service name. */
  health: Map<string, string>;
  metrics: Map<string, string>;
  siteMqtt: HostedMqttBroker;
  /** The first materialization of the catalog and tariffs (batch-jobs), with a line for the console. */
  domainData: Promise<string>;
  close(): Promise<void>;
}

interface Tokens {
  [site: string]: string;
}

async function provisionSites(
  dataDir: string,
  sites: DemoSite[],
  db: DatabaseHandle,
  env: NodeJS.ProcessEnv,
): Promise<Tokens> {
  const file = join(dataDir, 'platform', 'tokens.json');
  const stored: Tokens = JSON.parse(await readFile(file, 'utf8').catch(() => '{}')) as Tokens;
  const tokens: Tokens = {};
  // Each `ysh` run loads the CLI (about 3 s of a quiet core): the sites are provisioned side by side.
  await Promise.all(
    sites.map(async (site) => {
      const { rows } = await db.pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM site_tokens WHERE site_id = $1 AND revoked_at IS NULL',
        [site.id],
      );
      const known = stored[site.id];
      if (known && (rows[0]?.n ?? 0) > 0) {
        tokens[site.id] = known;
        return;
      }
      await runYsh(['sites', 'add', site.id], env);
      const out = await runYsh(['sites', 'token', site.id], env);
      tokens[site.id] = out.trim().split(/\s+/).pop() as string;
      await db.pool.query('UPDATE sites SET name = $2, latitude = $3, longitude = $4 WHERE id = $1', [
        site.id,
        site.name,
        site.lat,
        site.lon,
      ]);
    }),
  );
  for (const site of sites) {
    for (const d of site.devices) {
      await db.pool.query(
        `INSERT INTO devices (site_id, id, model, nameplate_w, nameplate_dc_wp) VALUES ($1, $2, 'YSH-SIM-3P', 5000, 5500)
         ON CONFLICT (id) DO NOTHING`,
        [site.id, d.id],
      );
    }
  }
  await mkdir(join(dataDir, 'platform'), { recursive: true });
  await writeFile(file, JSON.stringify(tokens, null, 2), { mode: 0o600 });
  return tokens;
}

/**
 * The whole telemetry path on one machine: PostgreSQL (PGlite) served by this
 * process, a site-LAN MQTT broker for the simulated dataloggers, and every
 * component as its own process — broker, simulator, gateway, processor and one
 * edge agent per site — so each can be stopped or killed alone.
 */
export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const { common, ports, logger } = options;
  const dataDir = common.dataDir;
  const logs = join(dataDir, 'logs');
  const env: NodeJS.ProcessEnv = {
    YSH_DATA_DIR: dataDir,
    YSH_EMBEDDED_POSTGRES_PORT: String(common.embedded.postgresPort),
    YSH_EMBEDDED_MQTT_PORT: String(ports.cloudMqtt),
    YSH_EMBEDDED_KAFKA_PORT: String(ports.kafka),
    ...options.env,
  };
  const closers: Array<() => Promise<void>> = [];
  let closing = false;
  const stopping = () => closing || (options.stopping?.() ?? false);
  const services = new Map<string, ChildService>();
  const health = new Map<string, string>();
  const metrics = new Map<string, string>();

  const add = (name: string, args: string[], opsPort: number, extraEnv: NodeJS.ProcessEnv = {}) => {
    const service = new ChildService({
      name,
      args,
      env: { ...env, ...extraEnv },
      logFile: join(logs, `${name}.log`),
      healthUrl: `http://127.0.0.1:${opsPort}/health`,
    });
    service.onUnexpectedExit = (code, signal) => {
      const detail = { service: name, code, signal, log: service.options.logFile };
      if (stopping()) return logger.info(detail, 'component stopped');
      // A Ctrl-C reaches the whole process group: a component that stopped cleanly may have
      // seen it before this process did. Expected if the platform begins to stop meanwhile.
      const clean = code === 0 || code === 130 || signal === 'SIGINT' || signal === 'SIGTERM';
      if (!clean) return logger.error(detail, 'component exited unexpectedly');
      setTimeout(() => {
        if (stopping()) logger.info(detail, 'component stopped');
        else logger.error(detail, 'component exited unexpectedly');
      }, 1000).unref();
    };
    services.set(name, service);
    health.set(name, `http://127.0.0.1:${opsPort}/health`);
    metrics.set(name, `http://127.0.0.1:${opsPort}/metrics`);
    return service;
  };

  const db = await options.services.database({ logger, application: 'ysh-platform' });
  closers.push(() => db.close());
  let siteMqtt: HostedMqttBroker;
  try {
    // The simulated sites' own LAN broker: part of the simulation, embedded whatever the cloud side uses.
    siteMqtt = await startEmbeddedMqtt({ port: ports.siteMqtt, logger });
  } catch (err) {
    await db.close();
    throw new PlatformError(
      'PLATFORM_START_FAILED',
      `cannot listen on ${ports.siteMqtt} for the site-LAN MQTT broker (${(err as Error).message}); is another ysh start running?`,
      { cause: err },
    );
  }
  closers.push(() => siteMqtt.close());

  try {
    const layout = await writeDemoFleet(join(dataDir, 'platform'), ports.sim);
    if (!common.kafkaBrokers) {
      await add(
        'broker',
        ['broker', '--port', String(ports.kafka), '--ops-port', String(ports.kafkaOps), '--partitions', '6'],
        ports.kafkaOps,
      ).start();
    }
    const tokens = await provisionSites(dataDir, layout.sites, db, env);
    await add('processor', ['processor', '--port', String(ports.processor)], ports.processor, {
      YSH_PROCESSOR_WINDOW: options.window,
      YSH_PROCESSOR_LATENESS: '5s',
      YSH_PROCESSOR_IDLE_TIMEOUT: '30s',
      YSH_PROCESSOR_EXPECTED_INTERVAL: '2s',
    }).start();
    const domainRun = await queueDomainData(env);
    // One batch-jobs worker runs the asset graph's schedules, sensors and freshness deadlines.
    await add('jobs', ['jobs', 'worker', '--port', String(ports.jobs)], ports.jobs).start();
    await seedDemoProposal(dataDir, env, logger);
    const domainData = domainDataReady(db, domainRun);
    domainData.catch(() => {});
    await add('gateway', ['gateway', '--port', String(ports.gateway)], ports.gateway).start();
    await add('api', ['api', '--port', String(ports.api)], ports.api).start();
    await add(
      'sim',
      [
        'sim',
        '--fleet',
        layout.fleetFile,
        '--scenario',
        layout.scenarioFile,
        '--port',
        String(ports.sim),
        '--control-port',
        String(ports.simControl),
        '--speed',
        String(options.speed),
        '--seed',
        String(options.seed),
        // Mid-morning in Brazil (UTC-3) today, whatever the wall clock: the demo fleet produces.
        '--start',
        `${new Date().toISOString().slice(0, 10)}T13:00:00.000Z`,
        '--mqtt-url',
        siteMqtt.url,
        '--mqtt-period',
        `${2 * options.speed}s`,
      ],
      ports.simControl,
    ).start();
    let k = 0;
    for (const site of layout.sites) {
      const file = await writeEdgeConfig(join(dataDir, 'platform'), site, {
        gatewayUrl: `http://127.0.0.1:${ports.gateway}`,
        modbusPort: ports.sim,
        lanMqttUrl: siteMqtt.url,
        mqttTopicPrefix: 'ysh-sim',
      });
      const port = ports.edge + k++;
      await add(
        `edge-${site.id}`,
        ['edge', '--config', file, '--port', String(port), '--data-dir', join(dataDir, 'edge', site.id)],
        port,
        {
          YSH_SITE_TOKEN: tokens[site.id],
          // How the demo agent appears in the fleet view (GET /v1/agents).
          YSH_EDGE_AGENT_ID: `demo-${site.id}`,
        },
      ).start();
    }
    return {
      layout,
      db,
      services,
      health,
      metrics,
      siteMqtt,
      domainData,
      async close() {
        closing = true;
        const stop = async (service: ChildService) => {
          await service.stop();
          service.closeLog();
        };
        // The batch-jobs worker is off the telemetry path: it stops alongside it (its running steps'
        // short grace overlapping the whole sequence), and only the database waits for it.
        const offPath = [...services.values()].filter((service) => rank(service.options.name) < 0);
        const jobs = Promise.all(offPath.map(stop));
        // Intake first (edges together, then the simulator), then the cloud side, then the infrastructure.
        const ranks = [...new Set([...services.keys()].map(rank))].filter((r) => r >= 0).sort((a, b) => a - b);
        for (const r of ranks) {
          await Promise.all([...services.values()].filter((service) => rank(service.options.name) === r).map(stop));
        }
        await jobs;
        for (const close of closers.reverse()) await close();
      },
    };
  } catch (err) {
    for (const service of services.values()) await service.kill();
    for (const close of closers.reverse()) await close().catch(() => {});
    throw new PlatformError('PLATFORM_START_FAILED', err instanceof Error ? err.message : String(err), { cause: err });
  }
}

/** Stopping order on the telemetry path; negative: off it, stopped alongside (see `close`). */
function rank(name: string): number {
  if (name === 'jobs') return -1;
  if (name.startsWith('edge-')) return 0;
  return { sim: 1, gateway: 2, api: 2, processor: 3, broker: 4 }[name] ?? 5;
}

export { YSH_BIN };
