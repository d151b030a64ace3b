import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import type { Reading } from '@ysh/common';
import { createPool } from '@ysh/common/db';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import {
  DEFAULT_WINDOW_OPTIONS,
  loadProcessorConfig,
  ProcessorEngine,
  resolveRules,
  startProcessor,
} from '@ysh/stream-processor';
import { hasTool, startVictoriaMetrics, type VictoriaMetrics, freePort, sleep } from '@ysh/test-helpers';
import type { Benchmark, BenchRow } from './types.ts';

const DEVICES = 2000;
const READINGS_PER_DEVICE = 300; // 50 min at 10 s: ten windows close per device
const PARTITIONS = 6;
const T0 = Date.UTC(2026, 10, 21, 14, 0, 0);
const silent = pino({ level: 'silent' });
const ROOT = new URL('../../', import.meta.url).pathname;

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** The embedded broker in its own process, so the process measured runs the processor only. */
async function brokerProcess(dir: string): Promise<{ brokers: string; stop: () => Promise<void> }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'embedded/src/kafka/main.ts'), '--data-dir', dir, '--port', '0', '--ops-port', '0'],
    { cwd: ROOT, env: { ...process.env, YSH_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const brokers = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /"brokers":"([^"]+)"/.exec(out);
      if (m) resolve(m[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`broker exited with ${code}: ${out}`)));
  });
  child.stdout?.resume();
  return { brokers, stop: () => stopChild(child) };
}

/**
 * The database in its own process: the real PostgreSQL named by YSH_BENCH_DATABASE_URL or
 * YSH_TEST_DATABASE_URL (a fresh database in it), else the embedded PGlite served by `ysh postgres`.
 */
async function databaseProcess(dir: string): Promise<{ url: string; kind: string; stop: () => Promise<void> }> {
  const base = process.env.YSH_BENCH_DATABASE_URL || process.env.YSH_TEST_DATABASE_URL;
  if (base) {
    const name = `ysh_bench_${randomBytes(5).toString('hex')}`;
    const admin = createPool(base, { max: 1 });
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(base);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      kind: 'PostgreSQL',
      async stop() {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.end();
      },
    };
  }
  const port = await freePort();
  const code = `const { commands } = await import(${JSON.stringify(join(ROOT, 'embedded/src/cli.ts'))});
await commands.find((c) => c.name === 'postgres').run(['--port', '${port}', '--data-dir', ${JSON.stringify(dir)}]);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: ROOT,
    env: { ...process.env, YSH_LOG_LEVEL: 'error' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `postgres://postgres@127.0.0.1:${port}/postgres?sslmode=disable`;
  const probe = createPool(url, { max: 1, connectionTimeoutMillis: 1000 });
  for (let i = 0; ; i++) {
    try {
      await probe.query('SELECT 1 FROM schema_migrations LIMIT 1');
      break;
    } catch (err) {
      if (i > 1200 || child.exitCode !== null) throw err;
      await sleep(100);
    }
  }
  await probe.end();
  return { url, kind: 'PGlite (ysh postgres)', stop: () => stopChild(child) };
}

function reading(d: number, i: number, t0 = T0): Reading {
  const ac = 4000 + 300 * Math.sin(i / 7 + d);
  return {
    v: 1,
    site: `site-${String(Math.floor(d / 10)).padStart(4, '0')}`,
    device: `inv-${String(d).padStart(5, '0')}`,
    ts: new Date(t0 + i * 10_000).toISOString(),
    seq: i + 1,
    metrics: {
      ac_power_w: ac,
      ac_energy_wh: 5_000_000 + Math.floor(i * 11.5),
      dc_power_w: ac / 0.965,
      dc_voltage_v: 600 + Math.sin(i),
      dc_current_a: ac / 0.965 / 600,
      ac_voltage_v: 229 + Math.sin(i / 3),
      ac_frequency_hz: 60,
      temperature_c: 45 + Math.sin(i / 5),
      mppt1_dc_power_w: ac / 1.93,
      mppt2_dc_power_w: ac / 1.93,
      operating_state: 4,
      events: 0,
    },
    quality: 'good',
  };
}

async function prefill(brokers: string, topic: string, total: number, t0 = T0): Promise<void> {
  const kafka = new Kafka({ clientId: 'bench-fill', brokers: [brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  let batch: { key: string; value: string }[] = [];
  // Time-ordered like a live fleet: every device's i-th reading, then the next.
  for (let i = 0; i < total / DEVICES; i++) {
    for (let d = 0; d < DEVICES; d++) {
      const r = reading(d, i, t0);
      batch.push({ key: r.device, value: JSON.stringify(r) });
      if (batch.length === 10_000) {
        await producer.send({ topic, acks: 1, messages: batch });
        batch = [];
      }
    }
  }
  if (batch.length) await producer.send({ topic, acks: 1, messages: batch });
  await producer.disconnect();
}

/** A side's clock, started at its first reading. */
interface Clock {
  startedAt: number;
  /** Readings per second since the start, and this process's CPU per reading (µs, all its threads, GC included). */
  read(count: number): { rate: number; cpu: number };
}

function startClock(): Clock {
  const startedAt = performance.now();
  const cpu0 = process.cpuUsage();
  return {
    startedAt,
    read(count) {
      const cpu = process.cpuUsage(cpu0);
      return { rate: count / ((performance.now() - startedAt) / 1000), cpu: (cpu.user + cpu.system) / count };
    },
  };
}

/**
 * A kafkajs consumer that only decodes: the ceiling for anything built on kafkajs. Returns its rate and its
 * CPU per reading (µs).
 */
async function bareLoop(brokers: string, topic: string, total: number): Promise<{ rate: number; cpu: number }> {
  const kafka = new Kafka({ clientId: 'bench-bare', brokers: [brokers], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({
    groupId: `bare-${Date.now()}`,
    maxBytesPerPartition: 4 * 1024 * 1024,
    maxWaitTimeInMs: 200,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let clock: Clock | undefined;
  let sink = 0;
  const done = new Promise<{ rate: number; cpu: number }>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        clock ??= startClock();
        for (const m of batch.messages) {
          const r = JSON.parse(String(m.value)) as Reading;
          sink += r.seq;
        }
        seen += batch.messages.length;
        if (seen >= total) resolve(clock.read(total));
      },
    });
  });
  const result = await done;
  await consumer.disconnect();
  if (sink < 0) throw new Error('unreachable');
  return result;
}

/**
 * Lets the processes beside the measured one finish what the previous run left them (PostgreSQL's checkpoint,
 * VictoriaMetrics' flush and merges), so neither side of a pair is timed against their background work.
 */
async function settle(db: { url: string; kind: string }, vm: VictoriaMetrics | undefined): Promise<void> {
  if (db.kind === 'PostgreSQL') {
    const pool = createPool(db.url, { max: 1 });
    try {
      await pool.query('CHECKPOINT');
    } finally {
      await pool.end();
    }
  }
  if (vm) await fetch(`${vm.url}/internal/force_flush`);
  await sleep(1000);
}

function gc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** Heap held by 10,000 devices with an open window each, their rule memory and their emitted windows. */
function heapPer10k(): number {
  const engine = new ProcessorEngine({
    windows: DEFAULT_WINDOW_OPTIONS,
    rules: resolveRules(),
    expectedIntervalMs: 10_000,
  });
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 40; i++) for (let d = 0; d < 10_000; d++) engine.ingest(reading(d, i), T0 + i * 10_000, 0);
  engine.drain();
  gc();
  const after = process.memoryUsage().heapUsed;
  if (engine.windows.devices.size !== 10_000) throw new Error('heap bench: wrong device count');
  return (after - before) / (1024 * 1024);
}

/** Paired rounds (bare loop, then the processor on a fresh database): the machine's drift between runs hits both sides alike. */
const ROUNDS = 3;

export const processorBenchmark: Benchmark = {
  group: 'processor',
  description: `stream processor (windows + all rules, checkpoints to PostgreSQL${hasTool('victoria-metrics') ? ', InfluxDB line protocol to VictoriaMetrics' : ''}) vs a bare kafkajs decode loop, ${DEVICES} devices on ${PARTITIONS} partitions, median of ${ROUNDS} paired rounds`,
  async run(): Promise<BenchRow[]> {
    const dir = await mkdtemp(join(tmpdir(), 'ysh-bench-proc-'));
    const broker = await brokerProcess(join(dir, 'kafka'));
    let vm: VictoriaMetrics | undefined;
    const topic = 'bench-telemetry';
    const total = DEVICES * READINGS_PER_DEVICE;
    try {
      if (hasTool('victoria-metrics')) vm = await startVictoriaMetrics();
      await prefill(broker.brokers, topic, total);
      // Warm-up on the previous day, for both sides alike: JIT, connections, and for the processor its sinks'
      // series (InfluxDB cardinality) created once, as for a running fleet. Then each is timed on the same topic.
      const warm = DEVICES * 40;
      await prefill(broker.brokers, `${topic}-warmup`, warm, T0 - 86_400_000);
      await bareLoop(broker.brokers, `${topic}-warmup`, warm);

      const run = async (url: string, kind: string, runTopic: string, group: string, count: number) => {
        // The shipped checkpoint cadence (YSH_PROCESSOR_COMMIT_INTERVAL, YSH_PROCESSOR_STATE_EVERY): what an operator runs.
        const config = loadProcessorConfig({
          YSH_DATA_DIR: dir,
          YSH_LOG_LEVEL: 'error',
          YSH_PROCESSOR_TOPIC: runTopic,
          YSH_PROCESSOR_GROUP: group,
          YSH_PROCESSOR_CONSOLE_ALERTS: 'false',
          ...(vm ? { YSH_INFLUX_URL: vm.url, YSH_INFLUX_TOKEN: 'bench' } : {}),
        });
        // PGlite serves one session: one connection is all it can use.
        const pool = createPool(url, { max: kind === 'PostgreSQL' ? 5 : 1 });
        const processor = await startProcessor(config, { pool, brokers: [broker.brokers], logger: silent });
        const counters = processor.core.engine.counters;
        let clock: Clock | undefined;
        let processedAt = 0;
        for (;;) {
          if (!clock && counters.readings > 0) clock = startClock();
          if (processedAt === 0 && counters.readings + counters.duplicates >= count) processedAt = performance.now();
          const stored = [...processor.core.partitions.values()].reduce((sum, p) => sum + p.stored, 0);
          if (stored >= count && clock) break;
          await sleep(2);
        }
        const end = performance.now();
        const out = {
          ...clock.read(count),
          folding: count / ((processedAt - clock.startedAt) / 1000),
          tailMs: end - processedAt,
          writes: processor.core.counters.flushes,
          windows: counters.windowsClosed,
        };
        await processor.stop();
        await pool.end();
        return out;
      };
      const rounds: ({ bare: number; bareCpu: number } & Awaited<ReturnType<typeof run>>)[] = [];
      let kind = '';
      for (let round = 0; round < ROUNDS; round++) {
        const pg = await databaseProcess(join(dir, `pg-${round}`));
        kind = pg.kind;
        try {
          await run(pg.url, pg.kind, `${topic}-warmup`, `bench-warmup-${round}`, warm);
          await settle(pg, vm);
          const { rate: bare, cpu: bareCpu } = await bareLoop(broker.brokers, topic, total);
          await settle(pg, vm);
          rounds.push({ bare, bareCpu, ...(await run(pg.url, pg.kind, topic, `bench-processor-${round}`, total)) });
        } finally {
          await pg.stop();
        }
      }
      const byRatio = [...rounds].sort((a, b) => a.rate / a.bare - b.rate / b.bare);
      const mid = byRatio[Math.floor(ROUNDS / 2)] as (typeof rounds)[number];
      const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
      const each = rounds
        .map(
          (r) =>
            `${fmt(r.rate)}/${fmt(r.bare)} = ${(r.rate / r.bare).toFixed(2)} (folding ${fmt(r.folding)}/s, last checkpoint ${fmt(r.tailMs)} ms after the last reading, ${r.writes} writes; CPU per reading ${r.cpu.toFixed(1)} µs against ${r.bareCpu.toFixed(1)} µs = ${(r.cpu / r.bareCpu).toFixed(2)}×)`,
        )
        .join('; ');
      // CPU per reading of each side, from this process's own CPU time: steadier than the rates, which
      // also move with what the broker, the database and VictoriaMetrics are doing beside it.
      const cpuRatios = rounds.map((r) => r.cpu / r.bareCpu).sort((a, b) => a - b);
      const cpuRatio = cpuRatios[Math.floor(ROUNDS / 2)] as number;
      const heap = heapPer10k();
      return [
        {
          group: 'processor',
          name: 'readings through windows + 8 rules to the sinks, checkpointed (1 process)',
          value: mid.rate,
          unit: 'readings/s',
          peer: 'bare kafkajs consume + JSON decode',
          peerValue: mid.bare,
          ratio: mid.rate / mid.bare,
          target: '≥ 50,000/s and ≥ 0.5 × bare loop',
          met: mid.rate >= 50_000 && mid.rate / mid.bare >= 0.5,
          notes: `${total.toLocaleString('en-US')} readings, ${mid.windows.toLocaleString('en-US')} windows; the round with the median ratio of ${ROUNDS} (each: bare loop, then the processor on a fresh database, timed from its first reading until its checkpoint covers the last; shipped checkpoint cadence): ${each}; both sides warmed up on ${warm.toLocaleString('en-US')} readings first; broker, ${kind}${vm ? ', VictoriaMetrics' : ''} in their own processes; the processor's CPU per reading is ${cpuRatio.toFixed(2)}× the bare loop's (median of the rounds; each side at one core, 0.5 of the rate means at most 2×)`,
        },
        {
          group: 'processor',
          name: 'heap per 10,000 active devices (open window + rule memory + 1 emitted window)',
          value: heap,
          unit: 'MiB',
          notes: 'engine state after 40 readings per device, after GC',
        },
      ];
    } finally {
      await vm?.stop();
      await broker.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
