import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { Pipeline } from '@ysh/tests/pipeline';
import { coresNote } from './machine.ts';
import type { Benchmark, BenchRow } from './types.ts';

const SITES = 3;
const DEVICES_PER_SITE = 100;
const INTERVAL_MS = 100;
const WARMUP_MS = 15_000;
const MEASURE_MS = 30_000;
const PEER = fileURLToPath(new URL('./transport-peer.ts', import.meta.url));

/** Sum of the samples of `name` whose labels include `labels` (e.g. 'outcome="accepted"'). */
async function metric(url: string, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(url)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if ((line.startsWith(`${name} `) || line.startsWith(`${name}{`)) && line.includes(labels))
      total += Number(line.split(' ').pop());
  }
  return total;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/**
 * The sink end of the path: an InfluxDB /api/v2/write endpoint that notes, for
 * every `inverter_raw` point, how long after its reading time it arrived.
 */
async function startLatencyProbe(): Promise<{
  url: string;
  latencies: number[];
  recording: { on: boolean };
  close(): Promise<void>;
}> {
  const latencies: number[] = [];
  const recording = { on: false };
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const arrived = Date.now();
      const precision = new URL(req.url ?? '/', 'http://x').searchParams.get('precision') ?? 'ns';
      const toMs = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000 }[precision] ?? 1e-6;
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      if (recording.on) {
        for (const line of body.toString().split('\n')) {
          if (!line.startsWith('inverter_raw,')) continue;
          const ts = Number(line.slice(line.lastIndexOf(' ') + 1));
          if (Number.isFinite(ts)) latencies.push(arrived - ts * toMs);
        }
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    latencies,
    recording,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** The bare-transport peer (transport-peer.ts) in its own process: record on `record()`, results on `stop()`. */
async function startTransportPeer(brokers: string, devices: number, intervalMs: number) {
  const plan = { brokers, topic: 'bench_e2e_transport_peer', devices, intervalMs };
  const child = spawn(process.execPath, ['--import', 'tsx', PEER, JSON.stringify(plan)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const next = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`transport peer exited with ${code}`));
      child.once('exit', onExit);
      lines.once('line', (l) => {
        child.off('exit', onExit);
        resolve(JSON.parse(l) as Record<string, unknown>);
      });
    });
  await next();
  return {
    record: () => child.stdin.write('record\n'),
    async stop(): Promise<{ latencies: number[]; sent: number }> {
      const result = next();
      child.stdin.write('stop\n');
      return (await result) as { latencies: number[]; sent: number };
    },
    kill: () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

export const e2eBenchmark: Benchmark = {
  group: 'e2e',
  description: `simulator → ${SITES} edge agents (${SITES * DEVICES_PER_SITE} devices every ${INTERVAL_MS} ms) → gateway → broker → processor → sink, each its own process`,
  async run(): Promise<BenchRow[]> {
    const probe = await startLatencyProbe();
    const pipeline = new Pipeline({
      seed: 5,
      sites: SITES,
      devicesPerSite: DEVICES_PER_SITE,
      interval: `${INTERVAL_MS}ms`,
      report: false,
      processorEnv: {
        YSH_PROCESSOR_WINDOW: '1m',
        YSH_PROCESSOR_EXPECTED_INTERVAL: `${INTERVAL_MS}ms`,
        YSH_PROCESSOR_COMM_LOSS_PERIODS: '100000',
        YSH_INFLUX_URL: probe.url,
        YSH_INFLUX_RAW: 'true',
      },
    });
    let peer: Awaited<ReturnType<typeof startTransportPeer>> | undefined;
    try {
      await pipeline.start();
      peer = await startTransportPeer(pipeline.brokers, SITES * DEVICES_PER_SITE, INTERVAL_MS);
      const gatewayMetrics = pipeline.gateway.options.healthUrl?.replace('/health', '/metrics') as string;
      const processorMetrics = pipeline.processor.options.healthUrl?.replace('/health', '/metrics') as string;
      const edgeStored = async () => {
        let n = 0;
        for (const s of pipeline.sites)
          n += await metric(`http://127.0.0.1:${s.opsPort}/metrics`, 'ysh_edge_readings_stored_total');
        return n;
      };
      await new Promise((r) => setTimeout(r, WARMUP_MS));
      probe.recording.on = true;
      peer.record();
      const t0 = Date.now();
      const start = {
        edge: await edgeStored(),
        gateway: await metric(gatewayMetrics, 'ysh_gateway_readings_total', 'outcome="accepted"'),
        processor: await metric(processorMetrics, 'ysh_processor_readings_total'),
      };
      await new Promise((r) => setTimeout(r, MEASURE_MS));
      const seconds = (Date.now() - t0) / 1000;
      const edge = ((await edgeStored()) - start.edge) / seconds;
      const gateway =
        ((await metric(gatewayMetrics, 'ysh_gateway_readings_total', 'outcome="accepted"')) - start.gateway) / seconds;
      const processor = ((await metric(processorMetrics, 'ysh_processor_readings_total')) - start.processor) / seconds;
      probe.recording.on = false;
      const bare = await peer.stop();
      const sorted = [...probe.latencies].sort((a, b) => a - b);
      const peerSorted = [...bare.latencies].sort((a, b) => a - b);
      const backlog = await pipeline.edgeBacklog();
      const note = `${SITES * DEVICES_PER_SITE} simulated inverters, every component its own process ${coresNote()}; edge backlog at the end ${backlog}`;
      const peerName =
        'bare transport: kafkajs producer (acks=-1) → same broker → kafkajs consumer, same load, same run';
      const latencyRow = (p: number, notes: string): BenchRow => ({
        group: 'e2e',
        name: `latency reading time → sink (inverter_raw write), p${p}`,
        value: percentile(sorted, p),
        unit: 'ms',
        peer: peerName,
        peerValue: percentile(peerSorted, p),
        ratio: percentile(sorted, p) / percentile(peerSorted, p),
        notes: `${notes}; ratio = ours ÷ peer (higher is slower)`,
      });
      return [
        {
          group: 'e2e',
          name: 'readings/s through to the processor',
          value: processor,
          unit: 'readings/s',
          peer: 'readings stored by the edge agents (offered load)',
          peerValue: edge,
          ratio: processor / edge,
          target: 'keeps up with the offered load (ratio ≈ 1)',
          met: processor / edge > 0.95,
          notes: `gateway accepted ${Math.round(gateway)}/s; ${note}`,
        },
        latencyRow(50, `${sorted.length} points; peer ${peerSorted.length} readings of ${bare.sent} sent`),
        latencyRow(
          99,
          'ours includes the edge batch linger, the gateway batching and the processor commit cadence; the peer only the Kafka hop',
        ),
      ];
    } finally {
      peer?.kill();
      await pipeline.close();
      await probe.close();
    }
  },
};
