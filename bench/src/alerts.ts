import {
  DEFAULT_ALERT_PROFILE,
  DEMO_ALERT_PROFILE,
  PIPELINE_SLACK_MS,
  runFaultToAlert,
  type AlertProfile,
} from '@ysh/tests/fault-to-alert';
import type { Benchmark, BenchRow } from './types.ts';

/**
 * Fault to alert: one simulator fault per rule kind (fault_state, frozen_values as the window rule that needs
 * two bad windows, comm_loss) injected at the same instant, just after a window boundary (the window rules'
 * worst case), and the time until the alert reaches the console sink and the Slack stand-in.
 */
async function faultToAlertRows(group: string, profile: AlertProfile): Promise<BenchRow[]> {
  const run = await runFaultToAlert(profile, { alignToWindow: true, settleMs: 30_000 });
  const rows: BenchRow[] = [];
  for (const a of run.arrivals) {
    const limit = a.boundMs + PIPELINE_SLACK_MS;
    for (const [sink, ms, count] of [
      ['console sink', a.consoleMs, a.consoleOpened],
      ['Slack (stand-in, @slack/web-api chat.postMessage)', a.slackMs, a.slackOpened],
    ] as const) {
      rows.push({
        group,
        name: `fault → alert, ${a.rule} → ${sink}`,
        value: ms ?? Number.NaN,
        unit: 'ms',
        peer: 'bound from the rule parameters (README)',
        peerValue: a.boundMs,
        ratio: ms === undefined ? Number.NaN : ms / a.boundMs,
        target: `≤ bound + ${PIPELINE_SLACK_MS / 1000} s, exactly one "opened"`,
        met: ms !== undefined && ms <= limit && count === 1,
        notes: `${profile.name}; ${count} "opened" seen${ms === undefined ? '; did NOT arrive' : ''}`,
        details: { boundMs: a.boundMs, opened: count },
      });
    }
  }
  return rows;
}

export const alertsBenchmark: Benchmark = {
  group: 'alerts',
  description: 'fault → alert on the whole path with the demo 20-second windows (about 3 min)',
  run: () => faultToAlertRows('alerts', DEMO_ALERT_PROFILE),
};

export const alertsDefaultBenchmark: Benchmark = {
  group: 'alerts-5m',
  description: 'fault → alert on the whole path with the default 5-minute windows (12 to 17 min)',
  run: () => faultToAlertRows('alerts-5m', DEFAULT_ALERT_PROFILE),
};
