import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Fault } from '@ysh/firmware-sim';
import { sleep } from '@ysh/test-helpers';
import { startFakeSlack, type FakeSlack } from '../processor/fake-slack.ts';
import { Pipeline } from './harness.ts';

/**
 * Fault to alert on the whole path: simulator fault → edge agent → gateway → broker → processor → outbox →
 * the console sink and the Slack stand-in. One site of four inverters; each rule kind gets its own inverter.
 */

/** Processor timing parameters, as an operator sets them. */
export interface AlertProfile {
  name: string;
  windowMs: number;
  latenessMs: number;
  idleTimeoutMs: number;
  /** Edge poll interval = the processor's expected interval. */
  intervalMs: number;
  commLossPeriods: number;
  commLossCheckMs: number;
}

/** The processor's defaults (5-minute windows). */
export const DEFAULT_ALERT_PROFILE: AlertProfile = {
  name: 'defaults: 5 min windows, 1 min lateness, 10 s interval, comm loss after 30 periods',
  windowMs: 300_000,
  latenessMs: 60_000,
  idleTimeoutMs: 120_000,
  intervalMs: 10_000,
  commLossPeriods: 30,
  commLossCheckMs: 15_000,
};

/** What `npm start` runs (cli/src/platform/platform.ts): 20-second windows. */
export const DEMO_ALERT_PROFILE: AlertProfile = {
  name: 'demo: 20 s windows, 5 s lateness, 2 s interval, comm loss after 30 periods',
  windowMs: 20_000,
  latenessMs: 5_000,
  idleTimeoutMs: 30_000,
  intervalMs: 2_000,
  commLossPeriods: 30,
  commLossCheckMs: 15_000,
};

export type AlertRuleKind = 'fault_state' | 'comm_loss' | 'frozen_values';

interface RulePlan {
  rule: AlertRuleKind;
  /** Index of the inverter in the site. */
  device: number;
  fault: Fault;
  /** Worst-case time from injection to the alert leaving the processor, from the profile (ms); see README. */
  bound(p: AlertProfile): number;
}

/** Slack of the pipeline itself (edge linger, uplink, Kafka, checkpoint write, outbox pass): generous. */
export const PIPELINE_SLACK_MS = 3_000;

/**
 * The rules and their bounds. A window closes when its device's event time passes end + lateness, i.e. with the
 * first reading at least that late, which comes at most one poll interval after:
 * - fault_state (open after 1 bad window): the fault's first reading (≤ 1 interval) lands in a window ending ≤ W
 *   later, closed ≤ L + 1 interval after its end: W + L + 2·I.
 * - frozen_values (open after 2 bad windows, judged on windows frozen throughout): the first whole frozen window
 *   starts ≤ I + W after the injection and the second ends 2·W later: 3·W + L + 2·I.
 * - comm_loss: the device's last reading came ≤ I before the injection; it counts as lost `periods` intervals
 *   after that reading, found by the next check (every C): periods·I + C.
 */
export const RULE_PLANS: RulePlan[] = [
  {
    rule: 'fault_state',
    device: 0,
    fault: { type: 'grid-fault', kind: 'disconnect' },
    bound: (p) => p.windowMs + p.latenessMs + 2 * p.intervalMs,
  },
  {
    rule: 'frozen_values',
    device: 1,
    fault: { type: 'frozen-values' },
    bound: (p) => 3 * p.windowMs + p.latenessMs + 2 * p.intervalMs,
  },
  {
    rule: 'comm_loss',
    device: 2,
    fault: { type: 'comm-loss' },
    bound: (p) => p.commLossPeriods * p.intervalMs + p.commLossCheckMs,
  },
];

export interface AlertArrival {
  rule: AlertRuleKind;
  device: string;
  injectedAt: number;
  boundMs: number;
  /** Injection → the console line / the Slack request (ms); undefined when it did not come in time. */
  consoleMs: number | undefined;
  slackMs: number | undefined;
  /** "opened" events seen for this (rule, device) per channel at the end. */
  consoleOpened: number;
  slackOpened: number;
}

export interface FaultToAlertRun {
  profile: AlertProfile;
  arrivals: AlertArrival[];
  /** Every "opened" alert seen, as "rule device" (console), to check nothing else fired. */
  consoleOpened: string[];
  slackOpened: string[];
  /** Slack requests as @slack/web-api sent them (path, auth header, channel). */
  slack: FakeSlack['calls'];
}

const SLACK_TOKEN = 'xoxb-fault-to-alert';
const SLACK_CHANNEL = '#pv-alerts';

/** `alert opened  site/device  rule …` lines of the processor's console sink (its log file). */
async function consoleOpenedLines(pipeline: Pipeline): Promise<{ rule: string; target: string }[]> {
  const text = await readFile(join(pipeline.logDir, 'processor.log'), 'utf8').catch(() => '');
  const out: { rule: string; target: string }[] = [];
  for (const line of text.split('\n')) {
    const m = /^alert opened\s+(\S+)\s+(\S+)/.exec(line);
    if (m) out.push({ target: m[1] as string, rule: m[2] as string });
  }
  return out;
}

function slackOpened(slack: FakeSlack): { rule: string; target: string; at: number }[] {
  const out: { rule: string; target: string; at: number }[] = [];
  for (const c of slack.calls) {
    if (c.path !== 'POST /api/chat.postMessage') continue;
    const m = /Alert: (\S+) on ([^\s:]+)/.exec(c.form.text ?? '');
    if (m) out.push({ rule: m[1] as string, target: m[2] as string, at: c.at });
  }
  return out;
}

/**
 * Starts the pipeline with the profile, lets it run `warmupMs`, injects one fault per rule kind at the same
 * instant, waits for every alert (or its bound + `graceMs`), then `settleMs` more to see that none comes twice.
 */
export async function runFaultToAlert(
  profile: AlertProfile,
  options: { seed?: number; warmupMs?: number; graceMs?: number; settleMs?: number; alignToWindow?: boolean } = {},
): Promise<FaultToAlertRun> {
  const slack = await startFakeSlack();
  const pipeline = new Pipeline({
    seed: options.seed ?? 23,
    sites: 1,
    devicesPerSite: 4,
    interval: `${profile.intervalMs}ms`,
    report: false,
    processorEnv: {
      YSH_PROCESSOR_WINDOW: `${profile.windowMs}ms`,
      YSH_PROCESSOR_LATENESS: `${profile.latenessMs}ms`,
      YSH_PROCESSOR_IDLE_TIMEOUT: `${profile.idleTimeoutMs}ms`,
      YSH_PROCESSOR_EXPECTED_INTERVAL: `${profile.intervalMs}ms`,
      YSH_PROCESSOR_COMM_LOSS_PERIODS: String(profile.commLossPeriods),
      YSH_PROCESSOR_COMM_LOSS_CHECK: `${profile.commLossCheckMs}ms`,
      YSH_PROCESSOR_CONSOLE_ALERTS: 'true',
      YSH_LOG_LEVEL: 'warn',
      SLACK_BOT_TOKEN: SLACK_TOKEN,
      YSH_SLACK_CHANNEL: SLACK_CHANNEL,
      YSH_SLACK_API_URL: slack.url,
    },
  });
  try {
    await pipeline.start();
    const site = pipeline.sites[0];
    if (!site) throw new Error('no site');
    await sleep(options.warmupMs ?? 3 * profile.intervalMs);
    if (options.alignToWindow) {
      // Just after a window boundary (plus one poll): the window rules' worst case, so the bound is what is measured.
      const next = Math.ceil(Date.now() / profile.windowMs) * profile.windowMs;
      await sleep(next - Date.now() + 200);
    }
    const injectedAt = Date.now();
    for (const plan of RULE_PLANS) pipeline.sim.injectFault(site.devices[plan.device] as string, plan.fault);
    const deadline = injectedAt + Math.max(...RULE_PLANS.map((p) => p.bound(profile))) + (options.graceMs ?? 20_000);
    const consoleSeen = new Map<string, number>();
    const target = (plan: RulePlan) => `${site.id}/${site.devices[plan.device]}`;
    const allSeen = () =>
      RULE_PLANS.every(
        (p) =>
          consoleSeen.has(`${p.rule} ${target(p)}`) &&
          slackOpened(slack).some((s) => s.rule === p.rule && s.target === target(p)),
      );
    while (!allSeen() && Date.now() < deadline) {
      for (const l of await consoleOpenedLines(pipeline)) {
        const key = `${l.rule} ${l.target}`;
        if (!consoleSeen.has(key)) consoleSeen.set(key, Date.now());
      }
      await sleep(100);
    }
    await sleep(options.settleMs ?? 2 * profile.windowMs);
    const lines = await consoleOpenedLines(pipeline);
    const posted = slackOpened(slack);
    const arrivals = RULE_PLANS.map((plan): AlertArrival => {
      const t = target(plan);
      const consoleAt = consoleSeen.get(`${plan.rule} ${t}`);
      const slackAt = posted.find((s) => s.rule === plan.rule && s.target === t)?.at;
      return {
        rule: plan.rule,
        device: site.devices[plan.device] as string,
        injectedAt,
        boundMs: plan.bound(profile),
        consoleMs: consoleAt === undefined ? undefined : consoleAt - injectedAt,
        slackMs: slackAt === undefined ? undefined : slackAt - injectedAt,
        consoleOpened: lines.filter((l) => l.rule === plan.rule && l.target === t).length,
        slackOpened: posted.filter((s) => s.rule === plan.rule && s.target === t).length,
      };
    });
    return {
      profile,
      arrivals,
      consoleOpened: lines.map((l) => `${l.rule} ${l.target}`),
      slackOpened: posted.map((s) => `${s.rule} ${s.target}`),
      slack: slack.calls,
    };
  } finally {
    await pipeline.close();
    await slack.close();
  }
}

export const FAULT_TO_ALERT_SLACK = { token: SLACK_TOKEN, channel: SLACK_CHANNEL };
