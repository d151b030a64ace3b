import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';

const MAIN = join(import.meta.dirname, '..', '..', '..', 'embedded', 'src', 'kafka', 'main.ts');
const PARTITIONS = 3;

/** Starts `embedded/src/kafka/main.ts` as its own process and resolves with its port once it listens. */
function startBrokerProcess(
  dataDir: string,
  fsync: string,
  segmentBytes: number,
): Promise<{ proc: ChildProcess; brokers: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        MAIN,
        '--data-dir',
        dataDir,
        '--port',
        '0',
        '--ops-port',
        '0',
        '--partitions',
        String(PARTITIONS),
        '--fsync',
        fsync,
        '--segment-bytes',
        String(segmentBytes),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, YSH_LOG_LEVEL: 'info' } },
    );
    const timer = setTimeout(() => reject(new Error('broker process did not start')), 20_000);
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      if (!line.includes('kafka broker listening')) return;
      clearTimeout(timer);
      const { port } = JSON.parse(line) as { port: number };
      resolve({ proc, brokers: `127.0.0.1:${port}` });
    });
    proc.on('exit', (code) => reject(new Error(`broker process exited with ${code}`)));
  });
}

function killHard(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.kill('SIGKILL');
  });
}

describe('durability: broker process killed with SIGKILL while producing with acks=-1', () => {
  const dirs: string[] = [];
  const procs: ChildProcess[] = [];
  afterAll(async () => {
    for (const p of procs) await killHard(p);
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  for (const [fsync, segmentBytes] of [
    ['1000', 128 * 1024 * 1024],
    ['batch', 64 * 1024],
  ] as const) {
    const policy = fsync === 'batch' ? 'per batch' : `every ${fsync} ms`;
    it(`keeps every acknowledged message, in order per partition (fsync ${policy}, ${segmentBytes} B segments)`, async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'ysh-kafka-durable-'));
      dirs.push(dataDir);
      const topic = 'durable';
      const acked: string[][] = Array.from({ length: PARTITIONS }, () => []);
      let seq = 0;

      for (let round = 0; round < 4; round++) {
        const { proc, brokers } = await startBrokerProcess(dataDir, fsync, segmentBytes);
        procs.push(proc);
        const kafka = new Kafka({
          brokers: [brokers],
          clientId: `durable-${round}`,
          logLevel: logLevel.NOTHING,
          retry: { retries: 0 },
        });
        const producer = kafka.producer({ allowAutoTopicCreation: true, retry: { retries: 0 } });
        await producer.connect();
        // Kill at a random point while batches are in flight.
        const killAfter = 150 + Math.floor(Math.random() * 500);
        const killer = new Promise<void>((resolve) => setTimeout(() => killHard(proc).then(resolve), killAfter));
        let stopped = false;
        void killer.then(() => {
          stopped = true;
        });
        while (!stopped) {
          const batch = Array.from({ length: 1 + Math.floor(Math.random() * 20) }, () => ({
            value: `r${round}-${seq++}`,
            partition: seq % PARTITIONS,
          }));
          try {
            await producer.send({ topic, acks: -1, timeout: 2000, messages: batch });
            for (const m of batch) acked[m.partition]!.push(m.value);
          } catch {
            break;
          }
        }
        await killer;
        await producer.disconnect().catch(() => {});
      }

      const { proc, brokers } = await startBrokerProcess(dataDir, fsync, segmentBytes);
      procs.push(proc);
      const kafka = new Kafka({ brokers: [brokers], clientId: 'durable-check', logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      await admin.connect();
      const offsets = await admin.fetchTopicOffsets(topic);
      const total = offsets.reduce((n, o) => n + Number(o.high), 0);
      await admin.disconnect();
      const ackedTotal = acked.reduce((n, a) => n + a.length, 0);
      expect(ackedTotal).toBeGreaterThan(0);
      expect(total).toBeGreaterThanOrEqual(ackedTotal);

      const consumer = kafka.consumer({ groupId: 'durable-check', maxWaitTimeInMs: 100 });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const stored: string[][] = Array.from({ length: PARTITIONS }, () => []);
      let count = 0;
      await new Promise<void>((resolve, reject) => {
        consumer
          .run({
            eachMessage: async ({ partition, message }) => {
              stored[partition]!.push(message.value!.toString());
              if (++count === total) resolve();
            },
          })
          .catch(reject);
      });
      await consumer.disconnect();
      await killHard(proc);

      for (let p = 0; p < PARTITIONS; p++) {
        const ackedSet = new Set(acked[p]);
        // Unacknowledged batches may or may not have landed; acknowledged ones must all be there, in order.
        expect(stored[p]!.filter((v) => ackedSet.has(v))).toEqual(acked[p]);
      }
    });
  }
});
