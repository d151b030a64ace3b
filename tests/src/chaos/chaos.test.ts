import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { lastLogError } from '@ysh/cli/platform';
import { listResults, windowStartOf } from '@ysh/stream-processor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EdgeRun, Pipeline } from '../pipeline/harness.ts';
import { serviceUrl, sleep } from '@ysh/test-helpers';

const SEED = Number(process.env.YSH_CHAOS_SEED ?? 20261121);
const TARGET_READINGS = 100_000;
const WINDOW_MS = 10_000;

/** mulberry32: the kill schedule replays for a seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

describe('chaos: kill -9 every component and cut the uplink during a 100,000-reading run', () => {
  const pipeline = new Pipeline({
    seed: SEED,
    sites: 3,
    devicesPerSite: 40,
    interval: '100ms',
    processorEnv: {
      YSH_PROCESSOR_WINDOW: `${WINDOW_MS / 1000}s`,
      YSH_PROCESSOR_LATENESS: '5s',
      YSH_PROCESSOR_IDLE_TIMEOUT: '8s',
      YSH_PROCESSOR_EXPECTED_INTERVAL: '100ms',
      YSH_PROCESSOR_COMMIT_INTERVAL: '1s',
      YSH_PROCESSOR_SESSION_TIMEOUT: '6s',
      // Outages here last seconds; a site must stay silent for 10 minutes to count as lost.
      YSH_PROCESSOR_COMM_LOSS_PERIODS: '6000',
      YSH_PROCESSOR_SITE_WAIT: '10s',
    },
    env: serviceUrl('redis') ? { YSH_REDIS_URL: serviceUrl('redis') as string } : {},
  });
  const log: string[] = [];
  const faults: Array<{ device: string; at: number }> = [];

  beforeAll(async () => {
    await pipeline.start();
  }, 120_000);
  afterAll(async () => {
    await pipeline.close();
  }, 120_000);

  it('reconciles to zero lost, zero double-counted readings and one alert per injected fault', async () => {
    const random = rng(SEED);
    const t0 = Date.now();
    const at = (ms: number) => sleep(Math.max(0, t0 + ms - Date.now()));
    const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo));
    const site = () => pipeline.sites[Math.floor(random() * pipeline.sites.length)] as (typeof pipeline.sites)[number];

    // Grid faults on one inverter per site, each for 20 s; everything else stays healthy.
    const faultPlan = pipeline.sites.map((s, i) => ({ device: s.devices[5 + i] as string, at: 8_000 + i * 12_000 }));
    const chaos: Array<{ at: number; what: string; run: () => Promise<void> }> = [];
    for (const f of faultPlan) {
      chaos.push({
        at: f.at,
        what: `grid fault on ${f.device}`,
        run: async () => void pipeline.sim.injectFault(f.device, { type: 'grid-fault', kind: 'undervoltage' }),
      });
      chaos.push({
        at: f.at + 20_000,
        what: `grid fault cleared on ${f.device}`,
        run: async () => void pipeline.sim.clearFault(f.device, 'grid-fault'),
      });
    }
    for (let k = 0; k < 3; k++) {
      const s = site();
      const when = between(5_000, 70_000);
      chaos.push({
        at: when,
        what: `kill -9 edge ${s.id}`,
        run: async () => {
          await pipeline.killEdge(s);
          await sleep(between(300, 2000));
          await pipeline.startEdge(s);
        },
      });
    }
    for (const [name, service] of [
      ['gateway', pipeline.gateway],
      ['processor', pipeline.processor],
      ['broker', pipeline.broker],
    ] as const) {
      chaos.push({
        at: between(10_000, 65_000),
        what: `kill -9 ${name}`,
        run: async () => {
          await service.kill();
          await sleep(between(500, 3000));
          await service.start();
        },
      });
    }
    const cutAt = between(15_000, 60_000);
    chaos.push({
      at: cutAt,
      what: 'uplink cut for 8 s',
      run: async () => {
        pipeline.proxy.cut();
        await sleep(8000);
        pipeline.proxy.restore();
      },
    });
    chaos.sort((a, b) => a.at - b.at);

    const running: Promise<void>[] = [];
    for (const step of chaos) {
      await at(step.at);
      log.push(`${String(Math.round((Date.now() - t0) / 1000)).padStart(3)} s  ${step.what}`);
      if (step.what.startsWith('grid fault on'))
        faults.push({ device: step.what.split(' ').pop() as string, at: Date.now() });
      running.push(step.run());
    }
    await Promise.all(running);
    await waitUntil(
      `${TARGET_READINGS} readings stored at the edges`,
      () => pipeline.promised.size >= TARGET_READINGS,
      240_000,
    );

    // Stop production (every inverter stops answering), let the edges drain and the processor close every window.
    for (const d of pipeline.sim.devices) pipeline.sim.injectFault(d.id, { type: 'comm-loss' });
    const stored = pipeline.promised.size;
    await waitUntil('edge buffers drained', async () => (await pipeline.edgeBacklog()) === 0, 120_000);
    const topic = await pipeline.readDelivered(60_000);
    const inKafka = topic.distinct;
    // Announced: what the edge agents reported durably stored (fsync done), i.e. promised to deliver.
    const announced = pipeline.promised;
    const missing = [...announced].filter((k) => !inKafka.has(k));
    // In Kafka but never announced: allowed only for a write in flight at a kill -9 of the agent that made it.
    const unannounced = [...inKafka.keys()].filter((k) => !announced.has(k));
    const explained = new Map<string, EdgeRun>();
    const unexplained: string[] = [];
    for (const key of unannounced) {
      const [device, seq] = key.split('#') as [string, string];
      const run = pipeline.inFlightAtKill(device, Number(seq));
      if (run) explained.set(key, run);
      else unexplained.push(key);
    }
    // At most one write per device is in flight (each device's readings are written one after another).
    const perRunDevice = new Map<string, number>();
    for (const [key, run] of explained) {
      const id = `${pipeline.edgeRuns.indexOf(run)}/${key.split('#')[0]}`;
      perRunDevice.set(id, (perRunDevice.get(id) ?? 0) + 1);
    }
    const edgeKills = pipeline.edgeRuns.filter((r) => r.killed).length;
    let windowSamples = 0;
    await waitUntil(
      'every window closed',
      async () => {
        const { rows } = await pipeline.pool.query<{ n: string }>(
          'SELECT coalesce(sum(samples), 0) AS n FROM window_results',
        );
        windowSamples = Number(rows[0]?.n);
        return windowSamples >= inKafka.size;
      },
      120_000,
    ).catch(() => undefined);
    // Faults resolve after their good windows; give the last one time to close.
    await waitUntil(
      'fault alerts resolved',
      async () => {
        const { rows } = await pipeline.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM alerts WHERE state <> 'resolved'`,
        );
        return rows[0]?.n === 0;
      },
      60_000,
    ).catch(() => undefined);
    const { rows: alerts } = await pipeline.pool.query<{ device: string | null; rule: string; state: string }>(
      'SELECT device, rule, state FROM alerts ORDER BY device, rule',
    );

    const figures =
      `chaos reconciliation (seed ${SEED}): announced by the edge agents ${announced.size}, ` +
      `distinct in Kafka ${inKafka.size} (${topic.messages} messages), announced but missing ${missing.length}, ` +
      `in Kafka but never announced ${unannounced.length} (${explained.size} in flight at ${edgeKills} edge kill(s), ${unexplained.length} unexplained), ` +
      `window samples ${windowSamples}`;
    const table = [
      `chaos run, seed ${SEED}`,
      ...log,
      `readings announced when production stopped       ${stored}`,
      `resent copies in Kafka                           ${topic.messages - inKafka.size}`,
      `(device, seq) in Kafka with differing copies     ${topic.conflicts.length}`,
      `injected faults / alerts                         ${faults.length} / ${alerts.length}: ${alerts.map((a) => `${a.device}:${a.rule}:${a.state}`).join(', ')}`,
      figures,
    ];
    process.stdout.write(`${table.join('\n')}\n`);
    if (windowSamples !== inKafka.size) {
      // Which (device, window) fell short, and when: the kill or cut it follows names the cause.
      const want = new Map<string, number>();
      for (const r of inKafka.values()) {
        const key = `${r.device}@${windowStartOf(Date.parse(r.ts), WINDOW_MS)}`;
        want.set(key, (want.get(key) ?? 0) + 1);
      }
      const have = new Map((await listResults(pipeline.pool)).map((w) => [`${w.device}@${w.windowStart}`, w.samples]));
      const short = [...want]
        .map(([key, n]) => ({ key, n, stored: have.get(key) ?? 0 }))
        .filter((w) => w.stored !== w.n);
      const byStart = new Map<number, { windows: number; samples: number }>();
      for (const w of short) {
        const start = Math.round((Number(w.key.split('@')[1]) - t0) / 1000);
        const b = byStart.get(start) ?? { windows: 0, samples: 0 };
        b.windows += 1;
        b.samples += w.n - w.stored;
        byStart.set(start, b);
      }
      process.stdout.write(
        `${short.length} (device, window) short; by window start (s after t0): ${[...byStart]
          .sort((a, b) => a[0] - b[0])
          .map(([s, b]) => `${s} s: ${b.windows} windows, ${b.samples} samples`)
          .join('; ')}\nfirst: ${short
          .slice(0, 8)
          .map((w) => `${w.key} ${w.stored}/${w.n}`)
          .join(', ')}\n`,
      );
      // What each component last said at error level: the next failure of this kind names its cause.
      for (const file of await readdir(pipeline.logDir).catch(() => [] as string[]))
        process.stdout.write(`${file}: ${(await lastLogError(join(pipeline.logDir, file))) ?? '(empty)'}\n`);
    }

    expect(announced.size).toBeGreaterThanOrEqual(TARGET_READINGS);
    expect(missing).toEqual([]);
    expect(unexplained).toEqual([]);
    expect([...perRunDevice].filter(([, n]) => n > 1)).toEqual([]);
    expect(topic.conflicts).toEqual([]);
    expect(windowSamples).toBe(inKafka.size);
    expect(alerts).toEqual(
      faults
        .map((f) => ({ device: f.device, rule: 'fault_state', state: 'resolved' }))
        .sort((a, b) => a.device.localeCompare(b.device)),
    );
  }, 600_000);
});
