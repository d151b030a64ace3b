import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasTool, sleep, startVictoriaMetrics, type VictoriaMetrics } from '@ysh/test-helpers';
import { Pipeline } from '../pipeline/harness.ts';
import {
  DEMO_ALERT_PROFILE,
  FAULT_TO_ALERT_SLACK,
  RULE_PLANS,
  runFaultToAlert,
  type FaultToAlertRun,
} from '../pipeline/fault-to-alert.ts';

const INTERVAL_MS = 3000;
/** Functional bound for one reading on an idle pipeline (the figures themselves are the bench's). */
const IDLE_BOUND_MS = 5000;
const noVm = hasTool('victoria-metrics') ? undefined : 'victoria-metrics is not installed';
if (noVm) process.stderr.write(`SKIP idle pipeline → raw sink: ${noVm}\n`);

describe.skipIf(noVm !== undefined)('a reading offered to an idle pipeline', () => {
  let vm: VictoriaMetrics;
  let pipeline: Pipeline;

  beforeAll(async () => {
    vm = await startVictoriaMetrics();
    pipeline = new Pipeline({
      seed: 31,
      sites: 1,
      devicesPerSite: 1,
      interval: `${INTERVAL_MS}ms`,
      report: false,
      processorEnv: {
        YSH_PROCESSOR_EXPECTED_INTERVAL: `${INTERVAL_MS}ms`,
        YSH_INFLUX_URL: vm.url,
        YSH_INFLUX_TOKEN: 'realtime',
        YSH_INFLUX_RAW: 'true',
      },
    });
    await pipeline.start();
  }, 300_000);
  afterAll(async () => {
    await pipeline?.close();
    await vm?.stop();
  }, 60_000);

  it(`reaches the raw sink (inverter_raw in VictoriaMetrics) within ${IDLE_BOUND_MS} ms of its reading time`, async () => {
    // One inverter polled every 3 s: each reading finds every component idle. Note when each point appears.
    const seen = new Map<number, number>();
    const end = Date.now() + 6 * INTERVAL_MS;
    while (Date.now() < end) {
      await vm.flush();
      const series = await vm.exportSeries('inverter_raw_ac_power_w');
      const now = Date.now();
      for (const s of series) for (const ts of s.timestamps) if (!seen.has(ts)) seen.set(ts, now);
      await sleep(100);
    }
    const device = pipeline.sites[0]?.devices[0];
    const series = await vm.exportSeries('inverter_raw_ac_power_w');
    expect(series.map((s) => s.metric.device)).toEqual([device]);
    // Readings that were taken while we watched (the first ones may predate the watch).
    const watched = [...seen].filter(([ts]) => ts >= end - 6 * INTERVAL_MS);
    expect(watched.length).toBeGreaterThanOrEqual(3);
    const late = watched.filter(([ts, at]) => at - ts > IDLE_BOUND_MS);
    expect(late.map(([ts, at]) => `${new Date(ts).toISOString()} after ${at - ts} ms`)).toEqual([]);
  }, 60_000);
});

describe('fault to alert on the whole path (demo profile: 20 s windows)', () => {
  let run: FaultToAlertRun;

  beforeAll(async () => {
    run = await runFaultToAlert(DEMO_ALERT_PROFILE, { settleMs: 30_000 });
    for (const a of run.arrivals) {
      process.stderr.write(
        `fault → alert ${a.rule}: console ${a.consoleMs} ms, Slack ${a.slackMs} ms (bound ${a.boundMs} ms)\n`,
      );
    }
  }, 300_000);

  for (const plan of RULE_PLANS) {
    it(`${plan.rule}: the alert reaches the console sink and Slack, once each`, () => {
      const a = run.arrivals.find((x) => x.rule === plan.rule);
      expect(a, 'arrival record').toBeDefined();
      expect({ console: a?.consoleMs !== undefined, slack: a?.slackMs !== undefined }).toEqual({
        console: true,
        slack: true,
      });
      expect({ console: a?.consoleOpened, slack: a?.slackOpened }).toEqual({ console: 1, slack: 1 });
    });
  }

  it('nothing else opens, and Slack gets exactly what @slack/web-api sends for chat.postMessage', () => {
    const expected = run.arrivals.map((a) => `${a.rule} site-chaos-001/${a.device}`).sort();
    expect([...run.consoleOpened].sort()).toEqual(expected);
    expect([...run.slackOpened].sort()).toEqual(expected);
    const posts = run.slack.filter((c) => c.path === 'POST /api/chat.postMessage');
    expect(posts.length).toBe(3);
    for (const p of posts) {
      expect(p.authorization).toBe(`Bearer ${FAULT_TO_ALERT_SLACK.token}`);
      expect(p.form.channel).toBe(FAULT_TO_ALERT_SLACK.channel);
    }
  });
});
