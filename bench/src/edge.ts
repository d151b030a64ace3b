import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import { stringify } from 'yaml';
import { SegmentLog } from '@ysh/edge-agent';
import { startSimulator, type Simulator } from '@ysh/firmware-sim';
import { cpuSeconds } from './proc-cpu.ts';
import type { Benchmark, BenchRow } from './types.ts';
import { NOON, sleep } from '@ysh/test-helpers';

const gzip = promisify(gzipCb);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHILD = fileURLToPath(new URL('../../edge-agent/src/child.ts', import.meta.url));
const RECEIVER = fileURLToPath(new URL('./edge-receiver.ts', import.meta.url));

/** The test receiver in its own process; `uniqueCount` reads its counters over HTTP. */
interface RemoteReceiver {
  url: string;
  uniqueCount(): Promise<number>;
  close(): Promise<void>;
}

async function startReceiverProcess(): Promise<RemoteReceiver> {
  const child = spawn(process.execPath, ['--import', 'tsx', RECEIVER, TOKEN], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout?.on('data', (b: Buffer) => {
      buf += b.toString();
      const m = /\{"url":"([^"]+)"\}/.exec(buf);
      if (m) resolve(m[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`receiver exited ${code}`)));
  });
  return {
    url,
    uniqueCount: async () => ((await (await fetch(`${url}/stats`)).json()) as { unique: number }).unique,
    close: () => stopAgent(child),
  };
}
const DEVICES = 500;
const SECONDS = 5;
const BACKLOG = 1_000_000;
const SITE = 'site-sp-001';
const TOKEN = 'bench-token';
// Model 103 + model 160 of a default simulated device: 102 registers from 40070 (one block read).
const BLOCK = { address: 40070, count: 102 };

/** V8 heap settings recommended for edge boxes (README: NODE_OPTIONS); the live set is ~40 MB at 500 devices. */
const EDGE_NODE_FLAGS = (process.env.YSH_BENCH_EDGE_NODE_FLAGS ?? '--max-old-space-size=80 --max-semi-space-size=8')
  .split(' ')
  .filter(Boolean);

function startAgent(config: string, dataDir: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    [...EDGE_NODE_FLAGS, '--import', 'tsx', CHILD, '--config', config, '--data-dir', dataDir, '--port', '0'],
    {
      cwd: ROOT,
      // glibc: two malloc arenas instead of one per thread (fs and zlib work runs on the libuv pool).
      env: { ...process.env, YSH_LOG_LEVEL: 'error', MALLOC_ARENA_MAX: '2' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout?.on('data', (b: Buffer) => {
      buf += b.toString();
      const m = /\{"ready":\{"port":(\d+)\}\}/.exec(buf);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.once('exit', (code) => reject(new Error(`edge agent exited ${code}`)));
  });
}

async function stopAgent(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([done, sleep(10_000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

async function metric(port: number, name: string, label = ''): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const re = new RegExp(`^${name}\\{${label}[^}]*\\} ([0-9.e+]+)$`, 'm');
  return Number(re.exec(text)?.[1] ?? 0);
}

/**
 * Debian's mbpoll reading the same block from every unit of each simulator port:
 * `loops` shell loops per port, each running `mbpoll -1 -a 1:N` (one pass over the
 * units per process; mbpoll's own continuous mode sleeps ≥ 10 ms between reads).
 */
async function mbpollRate(sim: Simulator, loops: number): Promise<number> {
  const units = new Map<number, number>();
  for (const d of sim.devices) if (d.port) units.set(d.port, Math.max(units.get(d.port) ?? 0, d.unitId ?? 1));
  const procs: ChildProcess[] = [];
  for (const [port, maxUnit] of units) {
    const cmd = `mbpoll -m tcp -p ${port} -a 1:${maxUnit} -0 -r ${BLOCK.address} -c ${BLOCK.count} -1 -o 1 ${sim.host}`;
    for (let i = 0; i < loops; i++) {
      procs.push(spawn('sh', ['-c', `while :; do ${cmd} >/dev/null 2>&1; done`], { stdio: 'ignore', detached: true }));
    }
  }
  try {
    await sleep(1000);
    const before = sim.stats().responses;
    const t0 = performance.now();
    await sleep(SECONDS * 1000);
    return ((sim.stats().responses - before) * 1000) / (performance.now() - t0);
  } finally {
    for (const p of procs) if (p.pid) process.kill(-p.pid, 'SIGTERM');
    await sleep(300);
  }
}

/** The agent polling all 500 devices (one bus per simulator port, one request in flight per bus, like mbpoll). */
async function agentPolling(
  sim: Simulator,
  receiver: RemoteReceiver,
  dir: string,
  concurrency: number,
  interval = '50ms',
): Promise<{ rate: number; rssMb: number; agentUsPerRead: number; agentCore: number; simCore: number }> {
  const config = join(dir, `poll-${concurrency}-${interval}.yaml`);
  await writeFile(
    config,
    stringify({
      site: SITE,
      gateway: { url: receiver.url, token: TOKEN, batchMaxReadings: 5000 },
      defaults: { interval, timeout: '1s', retries: 1 },
      buses: Object.fromEntries(sim.ports.map((p) => [`${sim.host}:${p}`, { concurrency }])),
      devices: sim.devices.map((d) => ({ id: d.id, transport: 'tcp', host: sim.host, port: d.port, unitId: d.unitId })),
    }),
  );
  const { child, port } = await startAgent(config, join(dir, `poll-data-${concurrency}-${interval}`));
  let rssMax = 0;
  const samples: number[] = [];
  const sampler = setInterval(() => {
    metric(port, 'ysh_process_resident_memory_bytes').then(
      (v) => {
        rssMax = Math.max(rssMax, v);
        samples.push(Math.round(v / 2 ** 20));
      },
      () => undefined,
    );
  }, 500);
  try {
    const t = Date.now();
    while ((await metric(port, 'ysh_edge_devices', 'health="discovering"')) > 0 && Date.now() - t < 30_000)
      await sleep(250);
    await sleep(1000);
    const before = await metric(port, 'ysh_edge_block_reads_total', 'outcome="ok"');
    const cpu0 = { agent: cpuSeconds(child.pid), sim: cpuSeconds(process.pid) };
    const t0 = performance.now();
    await sleep(SECONDS * 1000);
    const after = await metric(port, 'ysh_edge_block_reads_total', 'outcome="ok"');
    const seconds = (performance.now() - t0) / 1000;
    const agentCpu = cpuSeconds(child.pid) - cpu0.agent;
    const simCpu = cpuSeconds(process.pid) - cpu0.sim;
    const rate = (after - before) / seconds;
    process.stderr.write(
      `edge agent RSS (MB, every 0.5 s, ${concurrency} in flight per port, interval ${interval}): ${samples.join(' ')}\n`,
    );
    return {
      rate,
      rssMb: rssMax / 2 ** 20,
      agentUsPerRead: (agentCpu * 1e6) / (after - before),
      agentCore: agentCpu / seconds,
      simCore: simCpu / seconds,
    };
  } finally {
    clearInterval(sampler);
    await stopAgent(child);
  }
}

function reading(device: string, seq: number, ts: number): Buffer {
  return Buffer.from(
    JSON.stringify({
      v: 1,
      site: SITE,
      device,
      ts: new Date(ts).toISOString(),
      seq,
      metrics: {
        ac_power_w: 4520.5,
        ac_energy_wh: 18234567 + seq,
        ac_current_a: 6.8,
        ac_voltage_v: 221.4,
        ac_frequency_hz: 60.01,
        dc_power_w: 4710,
        dc_voltage_v: 612.3,
        dc_current_a: 7.69,
        temperature_c: 47.2,
        operating_state: 4,
        events: 0,
        mppt1_dc_power_w: 2355,
        mppt2_dc_power_w: 2355,
      },
      quality: 'good',
    }),
  );
}

/** 1,000,000 readings written to the agent's buffer, then drained by a fresh agent process. */
async function drain(receiver: RemoteReceiver, dir: string): Promise<number> {
  const dataDir = join(dir, 'drain-data');
  const log = await SegmentLog.open(join(dataDir, 'edge', SITE, 'buffer'), {
    maxBytes: 2 ** 40,
    segmentBytes: 64 * 2 ** 20,
  });
  const t0 = Date.now() - 3_600_000;
  for (let i = 0; i < BACKLOG; i += 10_000) {
    await log.append(
      Array.from({ length: 10_000 }, (_, j) => {
        const k = i + j;
        return reading(`backlog-${String((k % DEVICES) + 1).padStart(4, '0')}`, Math.floor(k / DEVICES), t0 + k);
      }),
    );
  }
  await log.close();
  const config = join(dir, 'drain.yaml');
  await writeFile(
    config,
    stringify({ site: SITE, gateway: { url: receiver.url, token: TOKEN, batchMaxReadings: 5000 }, devices: [] }),
  );
  const start = await receiver.uniqueCount();
  const { child } = await startAgent(config, dataDir);
  try {
    const deadline = Date.now() + 180_000;
    let n = start;
    while (n === start && Date.now() < deadline) n = await receiver.uniqueCount();
    const began = performance.now();
    const first = n;
    while (n - start < BACKLOG && Date.now() < deadline) {
      await sleep(20);
      n = await receiver.uniqueCount();
    }
    if (n - start < BACKLOG) throw new Error(`drain incomplete: ${n - start} of ${BACKLOG}`);
    return ((n - first) * 1000) / (performance.now() - began);
  } finally {
    await stopAgent(child);
  }
}

/** Peer for the drain: a bare fetch loop POSTing pre-built gzip batches of 5,000 to the same receiver. */
async function bareDrain(receiver: RemoteReceiver): Promise<number> {
  const batches: Buffer[] = [];
  const n = 200_000;
  for (let i = 0; i < n; i += 5000) {
    const items = Array.from({ length: 5000 }, (_, j) =>
      reading(`bare-${(i + j) % DEVICES}`, i + j, Date.now() - 60_000),
    );
    const body = Buffer.concat([
      Buffer.from(`{"v":1,"batchId":"${crypto.randomUUID()}","site":"${SITE}","readings":[`),
      Buffer.from(items.map((b) => b.toString()).join(',')),
      Buffer.from(']}'),
    ]);
    batches.push(await gzip(body, { level: 1 }));
  }
  const t0 = performance.now();
  for (const body of batches) {
    const res = await fetch(`${receiver.url}/v1/telemetry`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body,
    });
    await res.text();
  }
  return (n * 1000) / (performance.now() - t0);
}

export const edgeBenchmark: Benchmark = {
  group: 'edge',
  description: 'edge agent: block reads/s over 500 simulated devices vs mbpoll, drain of a 1M-reading backlog, RSS',
  async run(): Promise<BenchRow[]> {
    const dir = await mkdtemp(join(tmpdir(), 'ysh-bench-edge-'));
    const sim = await startSimulator({ devices: DEVICES, port: 0, seed: 1, speed: 1, start: NOON });
    const receiver = await startReceiverProcess();
    try {
      const peer1 = await mbpollRate(sim, 1);
      const agent1 = await agentPolling(sim, receiver, dir, 1);
      const peer4 = await mbpollRate(sim, 4);
      const agent4 = await agentPolling(sim, receiver, dir, 4);
      process.stderr.write(
        `edge polling: 1 in flight ${Math.round(agent1.rate)}/s vs mbpoll ${Math.round(peer1)}/s (agent ${Math.round(agent1.agentUsPerRead)} µs CPU/read, ${Math.round(agent1.agentCore * 100)} % core, sim ${Math.round(agent1.simCore * 100)} %); 4 in flight ${Math.round(agent4.rate)}/s vs mbpoll ${Math.round(peer4)}/s (agent ${Math.round(agent4.agentUsPerRead)} µs CPU/read, ${Math.round(agent4.agentCore * 100)} % core, sim ${Math.round(agent4.simCore * 100)} %)\n`,
      );
      const steady = await agentPolling(sim, receiver, dir, 1, '1s');
      const drained = await drain(receiver, dir);
      const bare = await bareDrain(receiver);
      const buses = new Set(sim.devices.map((d) => d.port)).size;
      const rss = Math.max(agent1.rssMb, agent4.rssMb);
      const pollRow = (
        agent: { rate: number; agentUsPerRead: number; agentCore: number; simCore: number },
        peer: number,
        n: number,
      ): BenchRow => ({
        group: 'edge',
        name: `block reads, ${DEVICES} devices on ${buses} Modbus TCP ports, ${n} request${n > 1 ? 's' : ''} in flight per port`,
        value: agent.rate,
        unit: 'reads/s',
        peer: `mbpoll, ${n} loop${n > 1 ? 's' : ''} of mbpoll -1 -a 1:247 per port, same ${BLOCK.count}-register block`,
        peerValue: peer,
        ratio: agent.rate / peer,
        target: '≥ 5,000 reads/s',
        met: agent.rate >= 5000,
        notes: `agent decodes, stores (fsync) and uplinks every reading while polling; agent CPU ${Math.round(agent.agentUsPerRead)} µs per read (${Math.round(agent.agentCore * 100)} % of a core: one core would sustain ≈ ${Math.round(1e6 / agent.agentUsPerRead).toLocaleString('en-US')} reads/s), simulator (this process) ${Math.round(agent.simCore * 100)} % of a core`,
        details: {
          agentUsPerRead: agent.agentUsPerRead,
          agentCorePct: agent.agentCore * 100,
          simCorePct: agent.simCore * 100,
        },
      });
      return [
        pollRow(agent1, peer1, 1),
        pollRow(agent4, peer4, 4),
        {
          group: 'edge',
          name: `drain of a ${BACKLOG.toLocaleString('en-US')}-reading backlog (batches of 5,000, gzip)`,
          value: drained,
          unit: 'readings/s',
          peer: 'bare fetch loop posting pre-built gzip batches',
          peerValue: bare,
          ratio: drained / bare,
          target: '≥ 50,000 readings/s',
          met: drained >= 50_000,
          notes: 'into the test receiver (contract validation + dedup per reading)',
        },
        {
          group: 'edge',
          name: `agent peak RSS, ${DEVICES} devices polled every second (${Math.round(steady.rate)} reads/s)`,
          value: steady.rssMb,
          unit: 'MB',
          target: '≤ 150 MB',
          met: steady.rssMb <= 150,
          notes: `node ${EDGE_NODE_FLAGS.join(' ')}, MALLOC_ARENA_MAX=2 (tsx loader thread included)`,
        },
        {
          group: 'edge',
          name: `agent peak RSS, ${DEVICES} devices polled flat out (rows 1-2)`,
          value: rss,
          unit: 'MB',
          target: '≤ 150 MB',
          met: rss <= 150,
          notes: `node ${EDGE_NODE_FLAGS.join(' ')}, MALLOC_ARENA_MAX=2 (tsx loader thread included)`,
        },
      ];
    } finally {
      await receiver.close();
      await sim.close();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
