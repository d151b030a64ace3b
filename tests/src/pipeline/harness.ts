import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChildService } from '@ysh/cli/platform';
import { TOPICS, type Reading } from '@ysh/common';
import { createPool, migrate, type Pool } from '@ysh/common/db';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '@ysh/embedded';
import { startSimulator, type Simulator } from '@ysh/firmware-sim';
import { SiteRegistry } from '@ysh/gateway';
import { Kafka, logLevel } from 'kafkajs';
import { stringify } from 'yaml';
import { spawnAgent, type AgentProcess } from '../edge/agent-process.ts';
import {
  realTestDatabase,
  type TestDatabase,
  freePort,
  startUplinkProxy,
  type UplinkProxy,
  NOON,
} from '@ysh/test-helpers';

/** Local noon in São Paulo (UTC-3) in January: every inverter produces. */

export interface PipelineOptions {
  seed: number;
  sites: number;
  devicesPerSite: number;
  /** Edge poll interval, e.g. "100ms". */
  interval: string;
  /** Processor settings (window, lateness, idle timeout…), as YSH_PROCESSOR_* variables. */
  processorEnv: Record<string, string>;
  /** Real PostgreSQL (YSH_TEST_DATABASE_URL) instead of PGlite. */
  realDatabase?: boolean;
  /** Extra environment for the gateway and processor (YSH_REDIS_URL, YSH_INFLUX_URL…). */
  env?: Record<string, string>;
  /** An external MQTT broker (Mosquitto): the gateway bridges it, and sites listed in `mqttSites` uplink through it. */
  mqttUrl?: string;
  /** Indexes of the sites whose edge agent sends batches over MQTT QoS 1 instead of HTTP. */
  mqttSites?: number[];
  /** Edge agents report every stored (device, seq) on stdout (default true; benchmarks turn it off). */
  report?: boolean;
}

export interface EdgeSite {
  id: string;
  token: string;
  devices: string[];
  args: string[];
  agent: AgentProcess | undefined;
  /** What the running agent process reported before and after each write (a new run per start). */
  run: EdgeRun | undefined;
  opsPort: number | undefined;
}

/** The telemetry topic read to its end: message count, first copy per (device, seq), keys whose copies differ. */
export interface TopicReadings {
  messages: number;
  distinct: Map<string, Reading>;
  /** (device, seq) seen again with different content: a reused seq, never acceptable. */
  conflicts: string[];
}

/** One edge agent process: per device, the seqs it said it was about to write and those it reported stored. */
export interface EdgeRun {
  site: string;
  /** (device → seqs) reported just before each write ("storing"), in order. */
  storing: Map<string, number[]>;
  /** (device → highest seq) reported durably stored. */
  lastStored: Map<string, number>;
  /** Ended by kill -9 (a write can fall between its announcement and its report). */
  killed: boolean;
}

/**
 * The whole telemetry path, each component in its own process where the chaos
 * test needs to kill it: broker, gateway and processor via `ysh`, one edge
 * agent per site (reporting each durably stored (device, seq)), the simulator
 * in this process, and an uplink relay between the edge agents and the gateway.
 */
export class Pipeline {
  /** (device, seq) each edge agent reported durably stored: what it promised to deliver. */
  readonly promised = new Set<string>();
  /** (device, seq) an agent said it was about to write ("storing"): a superset of `promised` (a kill can fall in between). */
  readonly storing = new Set<string>();
  /** Every edge agent process started, in order. */
  readonly edgeRuns: EdgeRun[] = [];
  sites: EdgeSite[] = [];
  sim!: Simulator;
  pool!: Pool;
  dbUrl!: string;
  brokers!: string;
  broker!: ChildService;
  gateway!: ChildService;
  processor!: ChildService;
  proxy!: UplinkProxy;
  private dir!: string;
  private readonly siteConfigs = new Map<
    string,
    { path: string; render: (count: number, interval: string) => string }
  >();
  private pg: EmbeddedPostgres | undefined;
  private realDb: TestDatabase | undefined;

  constructor(readonly options: PipelineOptions) {}

  async start(): Promise<void> {
    const o = this.options;
    this.dir = await mkdtemp(join(tmpdir(), 'ysh-pipeline-'));
    if (o.realDatabase) {
      this.realDb = await realTestDatabase();
      if (!this.realDb) throw new Error('YSH_TEST_DATABASE_URL is not set');
      this.dbUrl = this.realDb.url;
      this.pool = this.realDb.pool;
    } else {
      this.pg = await startEmbeddedPostgres({ dataDir: join(this.dir, 'postgres'), port: 0 });
      this.dbUrl = this.pg.url;
      this.pool = createPool(this.dbUrl);
      await migrate(this.pool);
    }
    const [kafkaPort, kafkaOps, gatewayPort, processorPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    this.brokers = `127.0.0.1:${kafkaPort}`;
    const logs = join(this.dir, 'logs');
    const env = {
      YSH_DATA_DIR: this.dir,
      YSH_LOG_LEVEL: 'warn',
      YSH_DATABASE_URL: this.dbUrl,
      YSH_KAFKA_BROKERS: this.brokers,
      ...(o.mqttUrl ? { YSH_GATEWAY_MQTT: 'external', YSH_MQTT_URL: o.mqttUrl } : { YSH_GATEWAY_MQTT: 'off' }),
      // Simulated devices reuse ids and seqs from run to run: keep this run's dedup keys apart.
      YSH_REDIS_PREFIX: `ysh-pipeline-${randomBytes(6).toString('hex')}:`,
      ...o.env,
    };
    this.broker = new ChildService({
      name: 'broker',
      args: [
        'broker',
        '--port',
        String(kafkaPort),
        '--ops-port',
        String(kafkaOps),
        '--partitions',
        '6',
        '--data-dir',
        join(this.dir, 'kafka'),
      ],
      env,
      logFile: join(logs, 'broker.log'),
      healthUrl: `http://127.0.0.1:${kafkaOps}/health`,
    });
    this.gateway = new ChildService({
      name: 'gateway',
      args: ['gateway', '--port', String(gatewayPort)],
      env,
      logFile: join(logs, 'gateway.log'),
      healthUrl: `http://127.0.0.1:${gatewayPort}/health`,
    });
    this.processor = new ChildService({
      name: 'processor',
      args: ['processor', '--port', String(processorPort)],
      env: { ...env, ...o.processorEnv },
      logFile: join(logs, 'processor.log'),
      healthUrl: `http://127.0.0.1:${processorPort}/health`,
    });
    await this.broker.start();
    await Promise.all([this.gateway.start(), this.processor.start()]);
    this.proxy = await startUplinkProxy(gatewayPort);

    const total = o.sites * o.devicesPerSite;
    this.sim = await startSimulator({ devices: total, port: 0, seed: o.seed, speed: 1, start: NOON });
    const registry = new SiteRegistry(this.pool);
    for (let s = 0; s < o.sites; s++) {
      const id = `site-chaos-${String(s + 1).padStart(3, '0')}`;
      await registry.addSite(id);
      const token = await registry.issueToken(id);
      const devices = this.sim.devices.slice(s * o.devicesPerSite, (s + 1) * o.devicesPerSite);
      const siteDir = join(this.dir, 'edge', id);
      await mkdir(siteDir, { recursive: true });
      const config = join(siteDir, 'site.yaml');
      const siteConfig = (count: number, interval: string) =>
        stringify({
          site: id,
          gateway: {
            url: this.proxy.url,
            token,
            batchMaxReadings: 1000,
            retryMin: '50ms',
            retryMax: '1s',
            timeout: '5s',
          },
          defaults: { interval, timeout: '500ms', retries: 1 },
          devices: devices.slice(0, count).map((d) => ({
            id: d.id,
            transport: 'tcp',
            host: '127.0.0.1',
            port: d.port,
            unitId: d.unitId,
          })),
        });
      this.siteConfigs.set(id, { path: config, render: siteConfig });
      await writeFile(config, siteConfig(devices.length, o.interval));
      this.sites.push({
        id,
        token,
        devices: devices.map((d) => d.id),
        args: ['--config', config, '--data-dir', join(siteDir, 'data'), '--port', '0'],
        agent: undefined,
        run: undefined,
        opsPort: undefined,
      });
    }
    for (const site of this.sites) await this.startEdge(site);
  }

  async startEdge(site: EdgeSite): Promise<void> {
    const run: EdgeRun = { site: site.id, storing: new Map(), lastStored: new Map(), killed: false };
    this.edgeRuns.push(run);
    site.run = run;
    site.agent = spawnAgent(
      site.args,
      (pairs) => {
        for (const [d, s] of pairs) {
          this.promised.add(`${d}#${s}`);
          run.lastStored.set(d, Math.max(s, run.lastStored.get(d) ?? -1));
        }
      },
      this.options.report === false ? { YSH_EDGE_REPORT_STORED: '0' } : {},
      (pairs) => {
        for (const [d, s] of pairs) {
          this.storing.add(`${d}#${s}`);
          let seqs = run.storing.get(d);
          if (!seqs) {
            seqs = [];
            run.storing.set(d, seqs);
          }
          seqs.push(s);
        }
      },
    );
    site.opsPort = (await site.agent.ready).port;
  }

  /**
   * Rewrites a site's config to poll its first `devices` inverters every `interval` and reloads the running
   * agent (SIGHUP: the buffer and its backlog are kept). Resolves once the agent reports the reload.
   */
  async reconfigureEdge(site: EdgeSite, devices: number, interval: string): Promise<void> {
    const cfg = this.siteConfigs.get(site.id);
    if (!cfg || !site.agent) throw new Error(`site ${site.id} is not running`);
    await writeFile(cfg.path, cfg.render(Math.min(devices, site.devices.length), interval));
    site.agent.child.kill('SIGHUP');
  }

  async killEdge(site: EdgeSite): Promise<void> {
    if (site.run) site.run.killed = true;
    await site.agent?.kill('SIGKILL');
    site.agent = undefined;
  }

  /**
   * The kill -9 that explains a reading in Kafka no agent reported stored: a killed run
   * said it was about to write it and reported nothing stored for that device from then
   * on (the write was in flight when the process died). Undefined: unexplained.
   */
  inFlightAtKill(device: string, seq: number): EdgeRun | undefined {
    return this.edgeRuns.find((run) => {
      if (!run.killed) return false;
      const seqs = run.storing.get(device);
      return seqs?.includes(seq) === true && seq > (run.lastStored.get(device) ?? -1);
    });
  }

  /** Readings still buffered at the edges (their /metrics). */
  async edgeBacklog(): Promise<number> {
    let total = 0;
    for (const site of this.sites) {
      const res = await fetch(`http://127.0.0.1:${site.opsPort}/metrics`).catch(() => undefined);
      const text = res?.ok ? await res.text() : '';
      const m = /^ysh_edge_buffer_backlog(?:\{[^}]*\})? (\d+)/m.exec(text);
      total += m ? Number(m[1]) : Number.NaN;
    }
    return total;
  }

  /**
   * Reads the topic until every reading the edge agents reported stored is in it, or the
   * time is up (what is still missing then is lost, and the caller's assertions say so).
   * A buffer gauge at zero is not enough: the last batch may still be on its way.
   */
  async readDelivered(timeoutMs: number): Promise<TopicReadings> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const topic = await this.readTopic();
      const missing = [...this.promised].some((k) => !topic.distinct.has(k));
      if (!missing || Date.now() > deadline) return topic;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }

  /** Every message of the telemetry topic, read from the beginning to the current end. */
  async readTopic(): Promise<TopicReadings> {
    const kafka = new Kafka({ clientId: 'pipeline-reader', brokers: [this.brokers], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(TOPICS.telemetry).catch(() => []);
    await admin.disconnect();
    if (ends.length === 0) return { messages: 0, distinct: new Map(), conflicts: [] };
    const remaining = new Map(ends.map((p) => [p.partition, Number(p.high)]));
    const consumer = kafka.consumer({ groupId: `pipeline-reader-${Date.now()}` });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPICS.telemetry, fromBeginning: true });
    const distinct = new Map<string, Reading>();
    const raw = new Map<string, string>();
    const conflicts: string[] = [];
    let messages = 0;
    await new Promise<void>((resolve, reject) => {
      const done = () => [...remaining.values()].every((v) => v <= 0);
      if (done()) resolve();
      consumer
        .run({
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) {
              messages++;
              const value = m.value?.toString() ?? '{}';
              const reading = JSON.parse(value) as Reading;
              const key = `${reading.device}#${reading.seq}`;
              const first = raw.get(key);
              if (first === undefined) {
                raw.set(key, value);
                distinct.set(key, reading);
              } else if (first !== value) conflicts.push(key);
              const end = Number(ends.find((p) => p.partition === batch.partition)?.high ?? 0);
              remaining.set(batch.partition, end - Number(m.offset) - 1);
            }
            if (done()) resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    return { messages, distinct, conflicts };
  }

  async close(): Promise<void> {
    for (const site of this.sites) await site.agent?.kill('SIGKILL');
    await this.sim?.close();
    await this.proxy?.close();
    for (const s of [this.gateway, this.processor, this.broker]) {
      await s?.stop();
      s?.closeLog();
    }
    if (this.realDb) await this.realDb.close();
    else {
      await this.pool?.end();
      await this.pg?.close();
    }
    if (!process.env.YSH_TEST_KEEP_PIPELINE) await rm(this.dir, { recursive: true, force: true });
  }

  get logDir(): string {
    return join(this.dir, 'logs');
  }
}
