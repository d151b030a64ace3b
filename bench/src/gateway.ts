import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { TOPICS } from '@ysh/common';
import { connectEmbeddedDatabase } from '@ysh/embedded';
import { SiteRegistry } from '@ysh/gateway';
import { Kafka, logLevel } from 'kafkajs';
import type { Benchmark, BenchRow } from './types.ts';
import { sampleReading, freePort, YSH_BIN } from '@ysh/test-helpers';

/**
 * Gateway ingest: concurrent HTTP clients posting v1 batches (100 and 1,000
 * readings) through auth, validation, dedup and the batching producer into the
 * embedded broker, beside kcat producing the same readings, pre-encoded, to
 * the same broker. Broker, gateway and clients are three processes, as deployed.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const BROKER_MAIN = join(ROOT, 'embedded', 'src', 'kafka', 'main.ts');
/** The gateway as `ysh gateway` runs it (the wiring layer hands it its services). */
const GATEWAY_MAIN = [YSH_BIN, 'gateway'];
const SITES = 20;
const DEVICES_PER_SITE = 50;

async function spawnUntil(
  args: string[],
  env: NodeJS.ProcessEnv,
  marker: string,
): Promise<{ proc: ChildProcess; line: Record<string, unknown> }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<Record<string, unknown>>((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}`)));
    createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on('line', (l) => {
      if (l.includes(marker)) resolve(JSON.parse(l) as Record<string, unknown>);
    });
  });
  return { proc, line };
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await exited;
}

function readingJson(site: string, device: string, seq: number, t: number): string {
  const base = sampleReading({ site, device, seq, ts: new Date(t).toISOString() });
  return JSON.stringify({
    ...base,
    metrics: { ...base.metrics, ac_power_w: 4520.5 + (seq % 7), ac_energy_wh: 18234567 + seq },
  });
}

interface Load {
  bodies: Array<{ site: number; body: Buffer }>;
  /** key \t value lines of the same readings, for kcat. */
  lines: string[];
}

/** `batches` batches of `size` readings, round-robin over sites, unique (device, seq) throughout. */
function buildLoad(tag: string, batches: number, size: number): Load {
  const seqs = new Map<string, number>();
  const t0 = Date.now() - 3_600_000;
  const bodies: Load['bodies'] = [];
  const lines: string[] = [];
  for (let b = 0; b < batches; b++) {
    const s = b % SITES;
    const site = `bench-${tag}-s${s}`;
    const readings: string[] = [];
    for (let i = 0; i < size; i++) {
      const device = `${site}-d${i % DEVICES_PER_SITE}`;
      const seq = seqs.get(device) ?? 0;
      seqs.set(device, seq + 1);
      const r = readingJson(site, device, seq, t0 + seq * 1000);
      readings.push(r);
      lines.push(`${device}\t${r}`);
    }
    bodies.push({
      site: s,
      body: Buffer.from(`{"v":1,"batchId":"${randomUUID()}","site":"${site}","readings":[${readings.join(',')}]}`),
    });
  }
  return { bodies, lines };
}

function post(agent: Agent, url: URL, token: string, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: '/v1/telemetry',
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': body.length,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

interface Run {
  readingsPerSecond: number;
  p50: number;
  p99: number;
  refused: number;
}

async function drive(url: URL, tokens: string[], load: Load, concurrency: number, size: number): Promise<Run> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let next = 0;
  let refused = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const job = load.bodies[next++];
        if (!job) return;
        for (;;) {
          const t = performance.now();
          const status = await post(agent, url, tokens[job.site] as string, job.body);
          if (status === 200) {
            latencies.push(performance.now() - t);
            break;
          }
          refused++;
          if (status !== 503 && status !== 429) throw new Error(`gateway answered ${status}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] as number;
  return { readingsPerSecond: (load.bodies.length * size) / seconds, p50: q(0.5), p99: q(0.99), refused };
}

/** CPU seconds (user + system) a process used so far, from /proc (Linux). */
async function cpuSeconds(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

function kcat(brokers: string, topic: string, file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const args = [
      '-P',
      '-b',
      brokers,
      '-t',
      topic,
      '-K',
      '\t',
      '-l',
      file,
      '-X',
      'acks=all',
      '-X',
      'enable.idempotence=true',
    ];
    args.push('-X', 'linger.ms=5', '-X', 'batch.num.messages=10000', '-X', 'queue.buffering.max.kbytes=2097151');
    const p = spawn('kcat', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    p.on('error', reject);
    p.on('close', (code) =>
      code === 0
        ? resolve((performance.now() - started) / 1000)
        : reject(new Error(`kcat exited ${code}: ${stderr.slice(0, 300)}`)),
    );
  });
}

/** The mandated client alone: idempotent kafkajs producers sending the same readings as fast as they can. */
async function kafkajsLoop(brokers: string, topic: string, lines: string[], lanes: number): Promise<number> {
  const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers: [brokers], logLevel: logLevel.NOTHING });
  const producers = Array.from({ length: lanes }, () => kafka.producer({ idempotent: true, maxInFlightRequests: 1 }));
  await Promise.all(producers.map((p) => p.connect()));
  const messages = lines.map((l) => {
    const tab = l.indexOf('\t');
    return { key: l.slice(0, tab), value: l.slice(tab + 1) };
  });
  const chunk = 2000;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    producers.map(async (p) => {
      for (;;) {
        const from = next;
        next += chunk;
        if (from >= messages.length) return;
        await p.sendBatch({ acks: -1, topicMessages: [{ topic, messages: messages.slice(from, from + chunk) }] });
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(producers.map((p) => p.disconnect()));
  return messages.length / seconds;
}

export const gatewayBenchmark: Benchmark = {
  group: 'gateway',
  description:
    'HTTP ingest readings/s and latency through the gateway into the embedded broker, vs kcat producing the same readings',
  async run(): Promise<BenchRow[]> {
    const dir = await mkdtemp(join(tmpdir(), 'ysh-bench-gw-'));
    const procs: ChildProcess[] = [];
    try {
      const broker = await spawnUntil(
        [BROKER_MAIN, '--data-dir', join(dir, 'kafka'), '--port', '0', '--ops-port', '0'],
        { ...process.env, YSH_LOG_LEVEL: 'info' },
        'kafka broker listening',
      );
      procs.push(broker.proc);
      const brokers = `127.0.0.1:${broker.line.port as number}`;
      const kafka = new Kafka({ clientId: 'bench', brokers: [brokers], logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({
        topics: [TOPICS.telemetry, TOPICS.telemetryDlq, 'bench_kcat_telemetry', 'bench_kafkajs_telemetry'].map(
          (topic) => ({
            topic,
            numPartitions: 6,
          }),
        ),
      });
      await admin.disconnect();

      // The embedded PostgreSQL runs in this process, as it would in its own; the gateway joins it over the wire.
      const pgPort = await freePort();
      const db = await connectEmbeddedDatabase({
        dataDir: join(dir, 'data'),
        embedded: { postgresPort: pgPort, mqttPort: 0, kafkaPort: 0 },
      });
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        YSH_DATA_DIR: join(dir, 'data'),
        YSH_LOG_LEVEL: 'info',
        YSH_KAFKA_BROKERS: brokers,
        YSH_EMBEDDED_POSTGRES_PORT: String(pgPort),
        YSH_GATEWAY_MQTT: 'off',
        YSH_GATEWAY_RATE_LIMIT: '1000000',
      };
      for (const k of ['YSH_DATABASE_URL', 'YSH_REDIS_URL', 'YSH_MQTT_URL']) delete env[k];
      const profile = process.env.YSH_BENCH_GATEWAY_PROFILE
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.YSH_BENCH_GATEWAY_PROFILE}`]
        : [];
      // The gateway allocates a young object per reading or more; a larger young generation halves scavenges (README).
      const flags = (process.env.YSH_BENCH_GATEWAY_FLAGS ?? '--max-semi-space-size=64').split(' ').filter(Boolean);
      const gw = await spawnUntil([...profile, ...flags, ...GATEWAY_MAIN, '--port', '0'], env, '"gateway listening"');
      procs.push(gw.proc);
      const url = new URL(gw.line.url as string);

      const registry = new SiteRegistry(db.pool);
      const tokensFor = async (tag: string) => {
        const tokens: string[] = [];
        for (let s = 0; s < SITES; s++) {
          await registry.addSite(`bench-${tag}-s${s}`);
          tokens.push(await registry.issueToken(`bench-${tag}-s${s}`));
        }
        return tokens;
      };

      const rows: BenchRow[] = [];
      // Concurrent clients per batch size; YSH_BENCH_GATEWAY_CLIENTS="100:32,1000:4" overrides.
      const clients = new Map(
        (process.env.YSH_BENCH_GATEWAY_CLIENTS ?? '100:32,1000:4')
          .split(',')
          .map((p) => p.split(':').map(Number) as [number, number]),
      );
      const scenarios = [
        { tag: 'b100', size: 100, batches: 3000, concurrency: clients.get(100) ?? 32 },
        { tag: 'b1000', size: 1000, batches: 300, concurrency: clients.get(1000) ?? 4 },
      ];
      // Warm-up: JIT, connections, device registration of the warm-up sites.
      {
        const tokens = await tokensFor('warm');
        await drive(url, tokens, buildLoad('warm', 200, 100), 16, 100);
      }
      for (const s of scenarios) {
        const tokens = await tokensFor(s.tag);
        const load = buildLoad(s.tag, s.batches, s.size);
        const cpu0 = await cpuSeconds(gw.proc.pid);
        const gwRun = await drive(url, tokens, load, s.concurrency, s.size);
        const cpu1 = await cpuSeconds(gw.proc.pid);
        const file = join(dir, `kcat-${s.tag}.txt`);
        await writeFile(file, `${load.lines.join('\n')}\n`);
        let kcatRate: number | undefined;
        let kcatNote = '';
        try {
          // The gateway and the kafkajs loop are timed once connected; kcat only from spawn, so its start-up
          // (process, connect, metadata, one acknowledged message) is measured right before and taken off.
          const one = join(dir, `kcat-${s.tag}-one.txt`);
          await writeFile(one, `${load.lines[0]}\n`);
          const startup = await kcat(brokers, 'bench_kcat_telemetry', one);
          await rm(one, { force: true });
          const total = await kcat(brokers, 'bench_kcat_telemetry', file);
          kcatRate = load.lines.length / Math.max(total - startup, 1e-3);
          kcatNote = `kcat ${total.toFixed(3)} s less ${startup.toFixed(3)} s of its start-up`;
        } catch (err) {
          kcatNote = `kcat failed: ${(err as Error).message}, so the target cannot be judged`;
        }
        await rm(file, { force: true });
        const bare = await kafkajsLoop(brokers, 'bench_kafkajs_telemetry', load.lines, 2);
        const n = load.lines.length.toLocaleString('en-US');
        rows.push({
          group: 'gateway',
          name: `HTTP ingest, batches of ${s.size}, ${s.concurrency} clients`,
          value: gwRun.readingsPerSecond,
          unit: 'readings/s',
          peer: 'kcat -P acks=all idempotent, same readings, same broker',
          peerValue: kcatRate,
          ratio: kcatRate ? gwRun.readingsPerSecond / kcatRate : undefined,
          target: '≥ 50,000/s and ≥ 0.5 × kcat',
          // Without the peer half of the target measured, the target is not met.
          met: kcatRate !== undefined && gwRun.readingsPerSecond >= 50_000 && gwRun.readingsPerSecond >= kcatRate / 2,
          notes: `${n} readings, ${gwRun.refused} refused+retried, gateway node ${flags.join(' ') || '(no flags)'}${kcatNote ? `; ${kcatNote}` : ''}`,
        });
        rows.push({
          group: 'gateway',
          name: `HTTP ingest, batches of ${s.size} (vs the Kafka client alone)`,
          value: gwRun.readingsPerSecond,
          unit: 'readings/s',
          peer: 'bare kafkajs sendBatch loop, 2 idempotent producers, 2,000 per request',
          peerValue: bare,
          ratio: gwRun.readingsPerSecond / bare,
          notes: 'the ceiling the mandated client sets before any HTTP, auth, validation or dedup',
        });
        if (cpu0 !== undefined && cpu1 !== undefined) {
          const perReading = ((cpu1 - cpu0) / load.lines.length) * 1e6;
          rows.push({
            group: 'gateway',
            name: `gateway CPU per reading, batches of ${s.size}`,
            value: perReading,
            unit: 'µs',
            notes: `less sensitive to machine load than wall-clock rates; one core would sustain ≈ ${Math.round(1e6 / perReading).toLocaleString('en-US')} readings/s`,
          });
        }
        rows.push({
          group: 'gateway',
          name: `request latency p50 / p99, batches of ${s.size}`,
          value: gwRun.p99,
          unit: 'ms',
          target: 'p99 < 250 ms',
          met: gwRun.p99 < 250,
          notes: `p50 ${gwRun.p50.toFixed(1)} ms, p99 ${gwRun.p99.toFixed(1)} ms (value is p99)`,
        });
      }
      // Token lookups: the default (a query per request, revocation effective at once) against a 1 s positive cache,
      // same load, a second gateway process on the same database.
      {
        const cached = await spawnUntil(
          [...flags, ...GATEWAY_MAIN, '--port', '0'],
          { ...env, YSH_GATEWAY_AUTH_CACHE: '1s' },
          '"gateway listening"',
        );
        procs.push(cached.proc);
        const cachedUrl = new URL(cached.line.url as string);
        const warm = await tokensFor('warm2');
        await drive(cachedUrl, warm, buildLoad('warm2', 200, 100), 16, 100);
        const runs: Array<{ cpu: number; rate: number }> = [];
        for (const [tag, target] of [
          ['nc', url],
          ['c1', cachedUrl],
        ] as const) {
          const pid = target === url ? gw.proc.pid : cached.proc.pid;
          const tokens = await tokensFor(tag);
          const load = buildLoad(tag, 1500, 100);
          const c0 = (await cpuSeconds(pid)) ?? 0;
          const r = await drive(target, tokens, load, 16, 100);
          const c1 = (await cpuSeconds(pid)) ?? 0;
          runs.push({ cpu: ((c1 - c0) / load.lines.length) * 1e6, rate: r.readingsPerSecond });
        }
        const [none, oneSecond] = runs as [{ cpu: number; rate: number }, { cpu: number; rate: number }];
        rows.push({
          group: 'gateway',
          name: 'gateway CPU per reading, batches of 100, token lookup per request',
          value: none.cpu,
          unit: 'µs',
          peer: 'same with a 1 s positive token cache',
          peerValue: oneSecond.cpu,
          ratio: none.cpu / oneSecond.cpu,
          notes: `${Math.round(none.rate).toLocaleString('en-US')} vs ${Math.round(oneSecond.rate).toLocaleString('en-US')} readings/s; the default keeps revocation effective on the next request`,
        });
        await stop(cached.proc);
      }

      const metrics = await (await fetch(`${url.origin}/metrics`)).text();
      const sum = (name: string) =>
        metrics
          .split('\n')
          .filter((l) => l.startsWith(name))
          .reduce((acc, l) => acc + Number(l.split(' ').pop()), 0);
      const requests = sum('ysh_gateway_http_responses_total');
      const queries = sum('ysh_gateway_auth_queries_total');
      const produceRequests = sum('ysh_gateway_kafka_produce_requests_total');
      const produced = sum('ysh_gateway_kafka_produce_messages_sum');
      rows.push({
        group: 'gateway',
        name: 'token lookups per request (no cache, single flight)',
        value: queries / Math.max(1, requests),
        unit: 'queries/request',
        notes: `${queries} queries for ${requests} requests; revocation effective on the next request`,
      });
      rows.push({
        group: 'gateway',
        name: 'readings per Kafka produce request (coalescing)',
        value: produced / Math.max(1, produceRequests),
        unit: 'messages/request',
        notes: `${produceRequests} produce requests, mean ${((sum('ysh_gateway_kafka_produce_seconds_sum') / Math.max(1, produceRequests)) * 1000).toFixed(1)} ms each`,
      });
      await db.close();
      return rows;
    } finally {
      for (const p of procs.reverse()) await stop(p);
      await rm(dir, { recursive: true, force: true });
    }
  },
};
