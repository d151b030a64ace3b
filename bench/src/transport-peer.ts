/**
 * The peer of the e2e latency rows, run as its own process beside the pipeline: the same offered load
 * (one reading per device every interval, the same reading shape) produced by a plain kafkajs producer
 * (acks=-1, idempotent, as the gateway produces) straight into the same broker and read back by a plain
 * kafkajs consumer. Its latency — reading time → consumed — is the bare transport a Kafka-based path
 * pays on this machine at this moment; the pipeline's latency is compared with it.
 *
 * argv[2] = JSON { brokers, topic, devices, intervalMs }. Prints {"ready":true} once producing;
 * on stdin "record" starts recording latencies, "stop" prints {"latencies":[…],"sent":n} and exits.
 */
import { createInterface } from 'node:readline';
import { sampleReading } from '@ysh/test-helpers';
import { Kafka, logLevel } from 'kafkajs';

interface Plan {
  brokers: string;
  topic: string;
  devices: number;
  intervalMs: number;
}

const plan = JSON.parse(process.argv[2] ?? '{}') as Plan;
const kafka = new Kafka({ clientId: 'bench-transport-peer', brokers: [plan.brokers], logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic: plan.topic, numPartitions: 6 }], waitForLeaders: true });
await admin.disconnect();

const latencies: number[] = [];
let recording = false;
// Fetch settings of the stream processor's consumer (kafka-driver.ts).
const consumer = kafka.consumer({
  groupId: `${plan.topic}-reader`,
  maxWaitTimeInMs: 200,
  maxBytesPerPartition: 4 * 1024 * 1024,
});
await consumer.connect();
await consumer.subscribe({ topic: plan.topic, fromBeginning: false });
const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
await consumer.run({
  eachBatch: async ({ batch }) => {
    const now = Date.now();
    if (!recording) return;
    for (const m of batch.messages) {
      const { ts } = JSON.parse(String(m.value)) as { ts: string };
      latencies.push(now - Date.parse(ts));
    }
  },
});
await joined;

const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
await producer.connect();
const devices = Array.from({ length: plan.devices }, (_, d) => `inv-${String(d + 1).padStart(4, '0')}`);
let running = true;
let sent = 0;
let seq = 0;
const producing = (async () => {
  while (running) {
    const started = Date.now();
    seq++;
    const ts = new Date(started).toISOString();
    const messages = devices.map((device) => ({
      key: device,
      value: JSON.stringify(sampleReading({ site: 'site-peer', device, seq, ts })),
    }));
    await producer.send({ topic: plan.topic, acks: -1, messages });
    sent += messages.length;
    // One reading per device per interval, as the edge agents poll; never more than the offered load.
    const wait = plan.intervalMs - (Date.now() - started);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
})();
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);

for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'record') recording = true;
  if (line === 'stop') break;
}
recording = false;
running = false;
await producing;
process.stdout.write(`${JSON.stringify({ latencies, sent })}\n`);
await producer.disconnect();
await consumer.disconnect();
process.exit(0);
