import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Pipeline } from '@ysh/tests/pipeline';
import { CpuMeter } from './proc-cpu.ts';
import { startLatencyProbe, type LatencyProbe } from './latency-probe.ts';
import { coresNote } from './machine.ts';
import type { Benchmark, BenchRow } from './types.ts';

/**
 * Latency versus load on the whole path, each component its own process with embedded parts: simulator →
 * edge agents → gateway → broker → processor → sink. First the saturation rate (every inverter polled at
 * INTERVAL_MS: more than this machine delivers), then 10/25/50/75/100 % of it by polling fewer inverters at
 * the same interval (the agents reload their site config on SIGHUP). Bounded: about 4 minutes.
 */
const SITES = 3;
const DEVICES_PER_SITE = 200;
const INTERVAL_MS = 200;
const WINDOW_MS = 10_000;
const LATENESS_MS = 2_000;
const SATURATION_WARMUP_MS = 10_000;
const SATURATION_MS = 15_000;
const SETTLE_MAX_MS = 60_000;
/** Longer than window + lateness, so every window counted at a level opened at that level. */
const WARMUP_MS = 14_000;
const MEASURE_MS = 20_000;
const PEER_MS = 10_000;
const LEVELS = [0.1, 0.25, 0.5, 0.75, 1];
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

interface LevelResult {
  share: number;
  devices: number;
  offered: number;
  delivered: number;
  gateway: number;
  raw: number[];
  windows: number[];
  /** Windows whose earliest reading was not seen (should be 0). */
  windowsUnmatched: number;
  cpu: Record<string, number>;
  backlog: number;
}

class Harness {
  readonly meter: CpuMeter;
  private readonly gatewayMetrics: string;
  private readonly processorMetrics: string;

  constructor(
    readonly pipeline: Pipeline,
    readonly probe: LatencyProbe,
  ) {
    this.gatewayMetrics = pipeline.gateway.options.healthUrl?.replace('/health', '/metrics') as string;
    this.processorMetrics = pipeline.processor.options.healthUrl?.replace('/health', '/metrics') as string;
    this.meter = new CpuMeter(() => ({
      broker: [pipeline.broker.pid],
      gateway: [pipeline.gateway.pid],
      processor: [pipeline.processor.pid],
      edge: pipeline.sites.map((s) => s.agent?.child.pid),
      // This process: the simulator and the probe (the sink).
      'sim+sink': [process.pid],
    }));
  }

  async counters() {
    let edge = 0;
    for (const s of this.pipeline.sites)
      edge += await metric(`http://127.0.0.1:${s.opsPort}/metrics`, 'ysh_edge_readings_stored_total');
    return {
      edge,
      gateway: await metric(this.gatewayMetrics, 'ysh_gateway_readings_total', 'outcome="accepted"'),
      processor: await metric(this.processorMetrics, 'ysh_processor_readings_total'),
    };
  }

  /** Polls `devices` inverters in all (spread over the sites) every INTERVAL_MS. */
  async poll(devices: number): Promise<void> {
    const per = Math.ceil(devices / SITES);
    for (const site of this.pipeline.sites) await this.pipeline.reconfigureEdge(site, per, `${INTERVAL_MS}ms`);
  }

  /** Waits until the edges' backlog is down to about one interval's readings (or SETTLE_MAX_MS). */
  async settle(devices: number): Promise<void> {
    const end = Date.now() + SETTLE_MAX_MS;
    while (Date.now() < end) {
      const backlog = await this.pipeline.edgeBacklog();
      if (Number.isFinite(backlog) && backlog <= Math.max(50, devices)) return;
      await sleep(500);
    }
  }

  async measure(share: number, devices: number, ms: number, levelStart: number): Promise<LevelResult> {
    const probe = this.probe;
    probe.raw.length = 0;
    probe.windows.length = 0;
    probe.recording = true;
    this.meter.start();
    const start = await this.counters();
    const t0 = Date.now();
    await sleep(ms);
    const end = await this.counters();
    const seconds = (Date.now() - t0) / 1000;
    const cpu = this.meter.stop();
    probe.recording = false;
    // Only windows that opened at this level: a window of an inverter no longer polled closes by idle timeout.
    const windows = probe.windows.filter((w) => w.windowStart >= levelStart);
    return {
      share,
      devices,
      offered: (end.edge - start.edge) / seconds,
      delivered: (end.processor - start.processor) / seconds,
      gateway: (end.gateway - start.gateway) / seconds,
      raw: [...probe.raw].sort((a, b) => a - b),
      windows: windows
        .map((w) => w.latencyMs)
        .filter(Number.isFinite)
        .sort((a, b) => a - b),
      windowsUnmatched: windows.filter((w) => !Number.isFinite(w.latencyMs)).length,
      cpu,
      backlog: await this.pipeline.edgeBacklog(),
    };
  }
}

const pct = (share: number) => `${Math.round(share * 100)} %`;
const cpuNote = (cpu: Record<string, number>) =>
  `CPU (% of a core): ${Object.entries(cpu)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}`;

function levelRows(r: LevelResult, saturation: number): BenchRow[] {
  const within = r.share <= 0.5;
  const rawP = { p50: percentile(r.raw, 50), p99: percentile(r.raw, 99), max: r.raw.at(-1) ?? Number.NaN };
  const winP = {
    p50: percentile(r.windows, 50),
    p99: percentile(r.windows, 99),
    max: r.windows.at(-1) ?? Number.NaN,
  };
  const windowTarget = WINDOW_MS + LATENESS_MS + 1000;
  const label = `load ${pct(r.share)} of saturation (${r.devices} inverters every ${INTERVAL_MS} ms)`;
  const details = {
    share: r.share,
    devices: r.devices,
    offered: Math.round(r.offered),
    delivered: Math.round(r.delivered),
    saturation: Math.round(saturation),
    rawP50: rawP.p50,
    rawP99: rawP.p99,
    rawMax: rawP.max,
    rawPoints: r.raw.length,
    windowP50: winP.p50,
    windowP99: winP.p99,
    windowMax: winP.max,
    windows: r.windows.length,
    ...Object.fromEntries(Object.entries(r.cpu).map(([k, v]) => [`cpu_${k}`, v])),
  };
  return [
    {
      group: 'e2e',
      name: `${label}: readings/s delivered to the processor`,
      value: r.delivered,
      unit: 'readings/s',
      peer: 'readings stored by the edge agents (offered)',
      peerValue: r.offered,
      ratio: r.delivered / r.offered,
      notes: `gateway accepted ${Math.round(r.gateway)}/s; edge backlog at the end ${r.backlog}; ${cpuNote(r.cpu)}`,
      details,
    },
    {
      group: 'e2e',
      name: `${label}: reading time → raw sink p99`,
      value: rawP.p99,
      unit: 'ms',
      ...(within ? { target: 'p99 < 1 s at ≤ 50 % of saturation', met: rawP.p99 < 1000 } : {}),
      notes: `p50 ${Math.round(rawP.p50)} ms, max ${Math.round(rawP.max)} ms, ${r.raw.length} points`,
      details,
    },
    {
      group: 'e2e',
      name: `${label}: reading time → closed window p99 (window ${WINDOW_MS / 1000} s, lateness ${LATENESS_MS / 1000} s)`,
      value: winP.p99,
      unit: 'ms',
      ...(within
        ? { target: `p99 < window + lateness + 1 s = ${windowTarget / 1000} s at ≤ 50 %`, met: winP.p99 < windowTarget }
        : {}),
      notes: `from the window's earliest reading to its inverter_5m point; p50 ${Math.round(winP.p50)} ms, max ${Math.round(winP.max)} ms, ${r.windows.length} windows${r.windowsUnmatched ? `, ${r.windowsUnmatched} without their readings seen` : ''}; a window closes with its device's first reading past end + lateness, up to one interval (${INTERVAL_MS} ms) after it`,
      details,
    },
  ];
}

export const e2eBenchmark: Benchmark = {
  group: 'e2e',
  description: `latency vs load: simulator → ${SITES} edge agents (up to ${SITES * DEVICES_PER_SITE} inverters every ${INTERVAL_MS} ms) → gateway → broker → processor → sink, each its own process; saturation, then ${LEVELS.map(pct).join(', ')} of it (about 6 min)`,
  async run(): Promise<BenchRow[]> {
    const probe = await startLatencyProbe(WINDOW_MS);
    const pipeline = new Pipeline({
      seed: 5,
      sites: SITES,
      devicesPerSite: DEVICES_PER_SITE,
      interval: `${INTERVAL_MS}ms`,
      report: false,
      processorEnv: {
        YSH_PROCESSOR_WINDOW: `${WINDOW_MS}ms`,
        YSH_PROCESSOR_LATENESS: `${LATENESS_MS}ms`,
        YSH_PROCESSOR_IDLE_TIMEOUT: '15s',
        YSH_PROCESSOR_EXPECTED_INTERVAL: `${INTERVAL_MS}ms`,
        YSH_PROCESSOR_COMM_LOSS_PERIODS: '100000',
        YSH_INFLUX_URL: probe.url,
        YSH_INFLUX_RAW: 'true',
      },
    });
    let peer: Awaited<ReturnType<typeof startTransportPeer>> | undefined;
    try {
      await pipeline.start();
      const h = new Harness(pipeline, probe);
      const all = SITES * DEVICES_PER_SITE;
      await sleep(SATURATION_WARMUP_MS);
      const sat = await h.measure(1, all, SATURATION_MS, Date.now());
      const saturated = sat.delivered < 0.95 * sat.offered;
      process.stderr.write(
        `e2e saturation: offered ${Math.round(sat.offered)}/s, delivered ${Math.round(sat.delivered)}/s, raw p99 ${Math.round(percentile(sat.raw, 99))} ms\n`,
      );
      const saturation = sat.delivered;
      const rows: BenchRow[] = [
        {
          group: 'e2e',
          name: `saturation: every inverter (${all}) every ${INTERVAL_MS} ms, readings/s delivered to the processor`,
          value: saturation,
          unit: 'readings/s',
          peer: 'readings stored by the edge agents (offered)',
          peerValue: sat.offered,
          ratio: saturation / sat.offered,
          notes: `${saturated ? 'saturated (delivered < 0.95 × offered)' : 'NOT saturated: the levels below are shares of a lower bound'}; raw p99 ${Math.round(percentile(sat.raw, 99))} ms; ${cpuNote(sat.cpu)}; every component its own process ${coresNote()}`,
          details: {
            offered: Math.round(sat.offered),
            delivered: Math.round(saturation),
            rawP99: percentile(sat.raw, 99),
            ...Object.fromEntries(Object.entries(sat.cpu).map(([k, v]) => [`cpu_${k}`, v])),
          },
        },
      ];
      for (const share of LEVELS) {
        const devices = Math.max(SITES, Math.min(all, Math.round((share * saturation * INTERVAL_MS) / 1000)));
        const levelStart = Date.now();
        await h.poll(devices);
        await h.settle(devices);
        await sleep(WARMUP_MS);
        const r = await h.measure(share, devices, MEASURE_MS, levelStart);
        process.stderr.write(
          `e2e ${pct(share)}: ${devices} inverters, delivered ${Math.round(r.delivered)}/s, raw p50/p99 ${Math.round(percentile(r.raw, 50))}/${Math.round(percentile(r.raw, 99))} ms, window p99 ${Math.round(percentile(r.windows, 99))} ms, ${cpuNote(r.cpu)}\n`,
        );
        rows.push(...levelRows(r, saturation));
        if (share === 0.5) {
          // The peer at the same offered load, beside the running pipeline: the bare Kafka hop.
          peer = await startTransportPeer(pipeline.brokers, devices, INTERVAL_MS);
          await sleep(2000);
          peer.record();
          await sleep(PEER_MS);
          const bare = await peer.stop();
          peer.kill();
          peer = undefined;
          const sorted = [...bare.latencies].sort((a, b) => a - b);
          const ours = percentile(r.raw, 99);
          rows.push({
            group: 'e2e',
            name: `load 50 %: reading time → raw sink p99 vs the bare Kafka hop`,
            value: ours,
            unit: 'ms',
            peer: 'bare transport: kafkajs producer (acks=-1) → same broker → kafkajs consumer, same load, beside the pipeline',
            peerValue: percentile(sorted, 99),
            ratio: ours / percentile(sorted, 99),
            notes: `peer p50 ${Math.round(percentile(sorted, 50))} ms over ${sorted.length} readings; ours adds the edge poll + buffer fsync + linger, HTTP, gateway validation and dedup, and the processor's sink write; ratio = ours ÷ peer (higher is slower)`,
          });
        }
      }
      return rows;
    } finally {
      peer?.kill();
      await pipeline.close();
      await probe.close();
    }
  },
};
