import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pipeline } from '../pipeline/harness.ts';
import { serviceUrl, skipReason, startVictoriaMetrics, type VictoriaMetrics, sleep } from '@ysh/test-helpers';
import { expectedWindows } from './reference.ts';

const WINDOW_MS = 5000;
const INTERVAL_MS = 200;

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

const processorEnv = {
  YSH_PROCESSOR_WINDOW: `${WINDOW_MS}ms`,
  YSH_PROCESSOR_LATENESS: '2s',
  YSH_PROCESSOR_IDLE_TIMEOUT: '5s',
  YSH_PROCESSOR_EXPECTED_INTERVAL: `${INTERVAL_MS}ms`,
  YSH_PROCESSOR_COMMIT_INTERVAL: '1s',
  YSH_PROCESSOR_COMM_LOSS_PERIODS: '3000',
  YSH_PROCESSOR_SITE_WAIT: '5s',
};

interface Variant {
  name: string;
  enabled: boolean;
  options: () => Promise<{ pipeline: Pipeline; vm?: VictoriaMetrics }>;
}

// Needs every real service and victoria-metrics; when one is missing the group says which (here and in the run's SKIP lines).
const realServicesMissing = skipReason('e2e-real-services');
const VARIANTS: Variant[] = [
  {
    name: 'embedded parts (PGlite, in-process KV, embedded broker, local time-series table)',
    enabled: true,
    options: async () => ({
      pipeline: new Pipeline({ seed: 11, sites: 2, devicesPerSite: 4, interval: `${INTERVAL_MS}ms`, processorEnv }),
    }),
  },
  {
    name: `real PostgreSQL, Redis, Mosquitto (one site uplinks over MQTT) and VictoriaMetrics${realServicesMissing ? ` (skipped: ${realServicesMissing})` : ''}`,
    enabled: realServicesMissing === undefined,
    options: async () => {
      const vm = await startVictoriaMetrics();
      const pipeline = new Pipeline({
        seed: 11,
        sites: 2,
        devicesPerSite: 4,
        interval: `${INTERVAL_MS}ms`,
        processorEnv,
        realDatabase: true,
        mqttUrl: serviceUrl('mqtt'),
        mqttSites: [1],
        env: {
          YSH_REDIS_URL: serviceUrl('redis') as string,
          YSH_INFLUX_URL: vm.url,
          YSH_INFLUX_TOKEN: 'e2e',
          YSH_INFLUX_ORG: 'ysh',
          YSH_INFLUX_BUCKET: 'telemetry',
        },
      });
      return { pipeline, vm };
    },
  },
];

for (const variant of VARIANTS) {
  describe.skipIf(!variant.enabled)(`end to end on ${variant.name}`, () => {
    let pipeline: Pipeline;
    let vm: VictoriaMetrics | undefined;
    let faulted: string;

    beforeAll(async () => {
      ({ pipeline, vm } = await variant.options());
      await pipeline.start();
    }, 120_000);
    afterAll(async () => {
      await pipeline?.close();
      await vm?.stop();
    }, 60_000);

    it('turns a simulator run into the exact window aggregates and one alert for the injected fault', async () => {
      faulted = pipeline.sites[0]?.devices[1] as string;
      await sleep(8000);
      pipeline.sim.injectFault(faulted, { type: 'grid-fault', kind: 'disconnect' });
      await sleep(12_000);
      pipeline.sim.clearFault(faulted, 'grid-fault');
      await sleep(15_000);
      for (const d of pipeline.sim.devices) pipeline.sim.injectFault(d.id, { type: 'comm-loss' });
      await waitUntil('edge buffers drained', async () => (await pipeline.edgeBacklog()) === 0, 60_000);

      const topic = await pipeline.readDelivered(60_000);
      expect(topic.distinct.size).toBe(pipeline.promised.size);
      const expected = expectedWindows(topic.distinct.values(), WINDOW_MS, INTERVAL_MS);
      await waitUntil(
        'every window result written',
        async () => {
          const { rows } = await pipeline.pool.query<{ n: string }>(
            'SELECT coalesce(sum(samples), 0) AS n FROM window_results',
          );
          return Number(rows[0]?.n) >= topic.distinct.size;
        },
        60_000,
      );
      const { rows } = await pipeline.pool.query<{
        device: string;
        window_start: Date;
        samples: number;
        availability: number;
        energy_wh: number | null;
        ac_power_w_mean: number | null;
        ac_power_w_min: number | null;
        ac_power_w_max: number | null;
        ac_power_w_stddev: number | null;
        temperature_c_mean: number | null;
        temperature_c_max: number | null;
      }>('SELECT * FROM window_results ORDER BY device, window_start');
      expect(rows.length).toBe(expected.size);
      for (const row of rows) {
        const want = expected.get(`${row.device}@${row.window_start.getTime()}`);
        expect(want, `${row.device} ${row.window_start.toISOString()}`).toBeDefined();
        if (!want) continue;
        expect(row.samples).toBe(want.samples);
        expect(row.availability).toBeCloseTo(want.availability, 9);
        if (want.energyWh === null) expect(row.energy_wh).toBeNull();
        else expect(row.energy_wh).toBeCloseTo(want.energyWh, 6);
        expect(row.ac_power_w_mean).toBeCloseTo(want.acPower?.mean as number, 6);
        expect(row.ac_power_w_min).toBe(want.acPower?.min);
        expect(row.ac_power_w_max).toBe(want.acPower?.max);
        expect(row.ac_power_w_stddev).toBeCloseTo(want.acPower?.stddev as number, 6);
        expect(row.temperature_c_mean).toBeCloseTo(want.temperature?.mean as number, 6);
        expect(row.temperature_c_max).toBe(want.temperature?.max);
      }

      await waitUntil(
        'the fault alert resolved',
        async () => (await pipeline.pool.query(`SELECT 1 FROM alerts WHERE state = 'resolved'`)).rowCount === 1,
        60_000,
      ).catch(() => undefined);
      const { rows: alerts } = await pipeline.pool.query<{ device: string; rule: string; state: string }>(
        'SELECT device, rule, state FROM alerts',
      );
      expect(alerts).toEqual([{ device: faulted, rule: 'fault_state', state: 'resolved' }]);

      if (vm) {
        await vm.flush();
        const series = await vm.exportSeries('inverter_5m_samples');
        const points = new Map<string, number>();
        for (const s of series) {
          for (const [i, t] of s.timestamps.entries()) points.set(`${s.metric.device}@${t}`, s.values[i] as number);
        }
        expect(points.size).toBe(rows.length);
        for (const row of rows) expect(points.get(`${row.device}@${row.window_start.getTime()}`)).toBe(row.samples);
      }
    }, 240_000);
  });
}
