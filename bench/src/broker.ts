import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Kafka, logLevel } from 'kafkajs';
import type { Benchmark, BenchRow } from './types.ts';

/**
 * Embedded Kafka broker throughput and latency. The broker runs as its own
 * process (`embedded/src/kafka/main.ts`, as `ysh broker` does), so clients never
 * share its event loop; kcat (librdkafka) and kafkajs are measured in the same run.
 */
const MAIN = join(import.meta.dirname, '..', '..', 'embedded', 'src', 'kafka', 'main.ts');
const MB = 1024 * 1024;

interface BrokerProc {
  brokers: string;
  /** CPU seconds (user + system) the broker process has used so far; undefined off Linux. */
  cpuSeconds(): number | undefined;
  stop(): Promise<void>;
}

function processCpuSeconds(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

async function startBroker(fsync: string): Promise<BrokerProc> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ysh-bench-kafka-'));
  const proc: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', MAIN, '--data-dir', dataDir, '--port', '0', '--ops-port', '0', '--fsync', fsync],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, YSH_LOG_LEVEL: 'info' } },
  );
  const port = await new Promise<number>((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`broker exited with ${code}`)));
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      if (line.includes('kafka broker listening')) resolve((JSON.parse(line) as { port: number }).port);
    });
  });
  return {
    brokers: `127.0.0.1:${port}`,
    cpuSeconds: () => processCpuSeconds(proc.pid),
    async stop() {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function run(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    p.on('error', reject);
    p.on('close', (code) => {
      if (code === 0) resolve((performance.now() - started) / 1000);
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr.slice(0, 500)}`));
    });
  });
}

function payload(size: number, i: number): string {
  const base = `reading-${i}-`;
  return (base + 'x'.repeat(size)).slice(0, size);
}

interface Rates {
  seconds: number;
  msgs: number;
  bytes: number;
  /** Broker CPU seconds spent during the measurement. */
  brokerCpu?: number;
}

async function measured(b: BrokerProc, fn: () => Promise<Rates>): Promise<Rates> {
  const before = b.cpuSeconds();
  const r = await fn();
  const after = b.cpuSeconds();
  return before === undefined || after === undefined ? r : { ...r, brokerCpu: after - before };
}

function cpuNote(r: Rates): string {
  if (r.brokerCpu === undefined || r.brokerCpu <= 0) return '';
  return `; broker CPU ${r.brokerCpu.toFixed(2)} s (${(r.bytes / MB / r.brokerCpu).toFixed(0)} MB per broker CPU-second)`;
}
const mbps = (r: Rates) => r.bytes / MB / r.seconds;
const mps = (r: Rates) => r.msgs / r.seconds;

async function kcatProduce(b: BrokerProc, topic: string, size: number, n: number): Promise<Rates> {
  const file = join(tmpdir(), `ysh-bench-${size}-${n}.txt`);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(payload(size, i));
  await writeFile(file, `${lines.join('\n')}\n`);
  const seconds = await run('kcat', [
    '-P',
    '-b',
    b.brokers,
    '-t',
    topic,
    '-p',
    '0',
    '-l',
    file,
    '-X',
    'acks=all',
    '-X',
    'linger.ms=5',
    '-X',
    'batch.num.messages=10000',
    '-X',
    'queue.buffering.max.kbytes=2097151',
  ]);
  await rm(file, { force: true });
  return { seconds, msgs: n, bytes: n * size };
}

async function kcatConsume(b: BrokerProc, topic: string, size: number, n: number): Promise<Rates> {
  const seconds = await run('kcat', [
    '-C',
    '-b',
    b.brokers,
    '-t',
    topic,
    '-o',
    'beginning',
    '-c',
    String(n),
    '-e',
    '-q',
  ]);
  return { seconds, msgs: n, bytes: n * size };
}

/**
 * kcat is timed from spawn to exit, so the kafkajs clients are timed from creating the client (connect,
 * metadata, and for the consumer its group join) to the last acknowledgement or message: same conditions.
 */
async function kafkajsProduce(brokers: string, topic: string, size: number, n: number): Promise<Rates> {
  const value = Buffer.from(payload(size, 0));
  const perSend = Math.max(50, Math.floor((256 * 1024) / size));
  const started = performance.now();
  const kafka = new Kafka({ brokers: [brokers], clientId: 'bench-produce', logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  let sent = 0;
  const worker = async () => {
    while (sent < n) {
      const count = Math.min(perSend, n - sent);
      sent += count;
      await producer.send({ topic, acks: -1, messages: Array.from({ length: count }, () => ({ value })) });
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  const seconds = (performance.now() - started) / 1000;
  await producer.disconnect();
  return { seconds, msgs: n, bytes: n * size };
}

async function kafkajsConsume(brokers: string, topic: string, size: number, n: number): Promise<Rates> {
  const started = performance.now();
  const kafka = new Kafka({ brokers: [brokers], clientId: 'bench-consume', logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({
    groupId: `bench-${topic}-${Date.now()}`,
    maxBytesPerPartition: 4 * MB,
    maxBytes: 16 * MB,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let count = 0;
  const seconds = await new Promise<number>((resolve, reject) => {
    consumer
      .run({
        eachBatchAutoResolve: true,
        eachBatch: async ({ batch }) => {
          count += batch.messages.length;
          if (count >= n) resolve((performance.now() - started) / 1000);
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return { seconds, msgs: n, bytes: n * size };
}

async function latency(kafka: Kafka, topic: string, sends: number): Promise<{ p50: number; p99: number }> {
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  const value = Buffer.from(payload(200, 0));
  await producer.send({ topic, acks: -1, messages: [{ value }] });
  const times: number[] = [];
  for (let i = 0; i < sends; i++) {
    const t0 = performance.now();
    await producer.send({ topic, acks: -1, messages: [{ value }] });
    times.push(performance.now() - t0);
  }
  await producer.disconnect();
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(sends * 0.5)]!, p99: times[Math.floor(sends * 0.99)]! };
}

async function createTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: 1 })) });
  await admin.disconnect();
}

export const brokerBenchmark: Benchmark = {
  group: 'broker',
  description:
    'embedded Kafka broker: produce/consume throughput with kcat and kafkajs, p99 produce latency at acks=-1',
  async run(): Promise<BenchRow[]> {
    const rows: BenchRow[] = [];
    const interval = await startBroker('1000');
    const policy = 'fsync every 1 s';
    try {
      const kafka = new Kafka({ brokers: [interval.brokers], clientId: 'bench', logLevel: logLevel.NOTHING });
      await createTopics(kafka, ['kcat-1k', 'kcat-200', 'js-1k', 'js-200', 'latency']);
      // Both clients of a ratio move the same number of messages of the same size; both consumers read the
      // topic kcat produced (the same record batches on disk), each from the beginning.
      const cases = [
        { size: 1024, n: 200_000, kt: 'kcat-1k', jt: 'js-1k' },
        { size: 200, n: 1_000_000, kt: 'kcat-200', jt: 'js-200' },
      ];
      for (const c of cases) {
        const label = c.size === 1024 ? '1 KiB' : '200 B';
        const kp = await measured(interval, () => kcatProduce(interval, c.kt, c.size, c.n));
        const jp = await measured(interval, () => kafkajsProduce(interval.brokers, c.jt, c.size, c.n));
        const kc = await measured(interval, () => kcatConsume(interval, c.kt, c.size, c.n));
        const jc = await measured(interval, () => kafkajsConsume(interval.brokers, c.kt, c.size, c.n));
        const big = c.size === 1024;
        const value = (r: Rates) => (big ? mbps(r) : mps(r));
        const unit = big ? 'MB/s' : 'msgs/s';
        const other = (r: Rates) =>
          big ? `${Math.round(mps(r)).toLocaleString('en-US')} msgs/s` : `${mbps(r).toFixed(1)} MB/s`;
        rows.push(
          {
            group: 'broker',
            name: `produce ${label}, kcat -P acks=all, ${policy}`,
            value: value(kp),
            unit,
            peer: 'kafkajs producer, same broker',
            peerValue: value(jp),
            ratio: value(kp) / value(jp),
            target: big ? '≥ 100 MB/s' : '≥ 300,000 msgs/s',
            met: big ? mbps(kp) >= 100 : mps(kp) >= 300_000,
            notes: `${c.n.toLocaleString('en-US')} msgs, ${other(kp)}${cpuNote(kp)}; timed from kcat spawn to exit`,
          },
          {
            group: 'broker',
            name: `produce ${label}, kafkajs acks=-1 (4 concurrent sends), ${policy}`,
            value: value(jp),
            unit,
            peer: 'kcat -P, same broker',
            peerValue: value(kp),
            ratio: value(jp) / value(kp),
            notes: `${c.n.toLocaleString('en-US')} msgs, ${other(jp)}${cpuNote(jp)}; timed from client creation (connect included) to the last ack`,
          },
          {
            group: 'broker',
            name: `consume ${label}, kcat -C to /dev/null, ${policy}`,
            value: value(kc),
            unit,
            peer: 'kafkajs consumer, same broker',
            peerValue: value(jc),
            ratio: value(kc) / value(jc),
            notes: `${c.n.toLocaleString('en-US')} msgs, ${other(kc)}${cpuNote(kc)}; timed from kcat spawn to exit`,
          },
          {
            group: 'broker',
            name: `consume ${label}, kafkajs eachBatch (group join included), ${policy}`,
            value: value(jc),
            unit,
            peer: 'kcat -C, same broker',
            peerValue: value(kc),
            ratio: value(jc) / value(kc),
            notes: `${c.n.toLocaleString('en-US')} msgs, ${other(jc)}${cpuNote(jc)}; reads kcat's topic; timed from client creation (connect, group join) to the last message`,
          },
        );
      }
      const li = await latency(kafka, 'latency', 2000);
      const batch = await startBroker('batch');
      try {
        const kb = new Kafka({ brokers: [batch.brokers], clientId: 'bench', logLevel: logLevel.NOTHING });
        await createTopics(kb, ['latency', 'kcat-1k']);
        const lb = await latency(kb, 'latency', 2000);
        const kpb = await measured(batch, () => kcatProduce(batch, 'kcat-1k', 1024, cases[0]!.n));
        const kpi = rows[0]!;
        rows.push(
          {
            group: 'broker',
            name: 'produce 1 KiB, kcat -P acks=all, fsync per batch',
            value: mbps(kpb),
            unit: 'MB/s',
            peer: 'same, fsync every 1 s',
            peerValue: kpi.value,
            ratio: mbps(kpb) / kpi.value,
            notes: `${cases[0]!.n.toLocaleString('en-US')} msgs (as the row it is compared with), ${Math.round(mps(kpb)).toLocaleString('en-US')} msgs/s${cpuNote(kpb)}; fdatasync per produce request (group-committed)`,
          },
          {
            group: 'broker',
            name: 'produce latency p99, kafkajs acks=-1, 1 msg of 200 B per request, fsync every 1 s',
            value: li.p99,
            unit: 'ms',
            peer: 'same, fsync per batch',
            peerValue: lb.p99,
            ratio: li.p99 / lb.p99,
            notes: `p50 ${li.p50.toFixed(2)} ms; 2,000 sequential sends`,
          },
          {
            group: 'broker',
            name: 'produce latency p99, kafkajs acks=-1, 1 msg of 200 B per request, fsync per batch',
            value: lb.p99,
            unit: 'ms',
            peer: 'same, fsync every 1 s',
            peerValue: li.p99,
            ratio: lb.p99 / li.p99,
            notes: `p50 ${lb.p50.toFixed(2)} ms; 2,000 sequential sends; includes fdatasync`,
          },
        );
      } finally {
        await batch.stop();
      }
    } finally {
      await interval.stop();
    }
    return rows;
  },
};
