import type pg from 'pg';
import type { Logger } from 'pino';
import { applyTransitions, escalateAlerts, listAlerts } from './alerts/alert-store.ts';
import type { AlertTransition } from './alerts/types.ts';
import { AgentHeartbeats } from '@ysh/common/fleet';
import { commLoss, commLossTransitions, findCommLoss, type SiteHeartbeat } from './rules/comm-loss.ts';
import type { RulesConfig } from './rules/config.ts';
import { listDevicesSeen } from './store/checkpoint-store.ts';
import { inTransaction } from './store/queryable.ts';

export interface AlertClockOptions {
  groupId: string;
  rules: RulesConfig;
  /** Outbox channels alert events are queued for. */
  channels: string[];
  /** Unresolved this long → escalated. */
  escalateAfterMs: number;
}

/** Counters the clock adds to (shared with the processor core's). */
export interface AlertClockCounters {
  alertsOpened: number;
  alertsResolved: number;
}

/** How often the escalation check runs: a quarter of the escalation delay, between 1 s and 30 s. */
export function escalateCheckMs(escalateAfterMs: number): number {
  return Math.min(30_000, Math.max(1000, Math.floor(escalateAfterMs / 4)));
}

/**
 * Alerts decided on processing time rather than on windows: communication
 * loss across the whole consumer group (from `processor_devices.last_seen_at`,
 * which each device's owner writes) and escalation of alerts left unresolved.
 * Both are idempotent, so every instance may run them.
 */
export class AlertClock {
  private timers: NodeJS.Timeout[] = [];
  private running = new Set<Promise<unknown>>();

  constructor(
    private readonly options: AlertClockOptions,
    private readonly pool: pg.Pool,
    private readonly counters: AlertClockCounters,
    private readonly now: () => number,
  ) {}

  /** Communication loss across the whole group (processing time), one site-level alert for a silent site. */
  async checkCommLoss(): Promise<AlertTransition[]> {
    const { rules, groupId, channels } = this.options;
    const params = commLoss.paramsIn(rules);
    if (!params.enabled) return [];
    const now = this.now();
    return inTransaction(this.pool, async (c) => {
      const seen = await listDevicesSeen(c, groupId);
      const findings = findCommLoss(seen, now, params);
      const open = (await listAlerts(c, { state: 'unresolved', rule: commLoss.name })).map((a) => ({
        id: a.id,
        site: a.site,
        ...(a.device === null ? {} : { device: a.device }),
        since: a.since,
      }));
      // A silent site's alert says whether its agent still calls home (uplink vs. agent down).
      const heartbeats = new Map<string, SiteHeartbeat>();
      for (const site of new Set(findings.filter((f) => f.device === undefined).map((f) => f.site))) {
        const hb = await new AgentHeartbeats(c).lastOfSite(site);
        if (hb) heartbeats.set(site, { agentId: hb.agentId, at: hb.at.getTime() });
      }
      const transitions = commLossTransitions(findings, open, now, rules, heartbeats);
      const applied = await applyTransitions(c, transitions, channels);
      this.counters.alertsOpened += applied.opened;
      this.counters.alertsResolved += applied.resolved;
      return transitions;
    });
  }

  /** Escalates alerts unresolved for longer than `escalateAfterMs`; returns how many. */
  async escalate(): Promise<number> {
    const { escalateAfterMs, channels } = this.options;
    const out = await escalateAlerts(this.pool, escalateAfterMs, channels, this.now());
    return out.length;
  }

  /**
   * Runs both checks on timers: communication loss every `commLossCheckMs`,
   * starting one silence period after this call (a restarted processor must
   * not take its own absence for silent devices); escalation every
   * `escalateCheckMs(escalateAfterMs)`. Failures are logged and retried on
   * the next tick.
   */
  start(commLossCheckMs: number, logger: Logger): void {
    if (this.timers.length > 0) return;
    const startedAt = this.now();
    const comm = commLoss.paramsIn(this.options.rules);
    const silenceMs = comm.expectedIntervalMs * comm.periods;
    const run = (what: string, task: () => Promise<unknown>) => {
      const p = task().catch((err: unknown) => logger.warn({ err }, `${what} failed`));
      this.running.add(p);
      void p.finally(() => this.running.delete(p));
    };
    this.timers.push(
      setInterval(() => {
        if (this.now() - startedAt < silenceMs) return;
        run('communication-loss check', () => this.checkCommLoss());
      }, commLossCheckMs),
      setInterval(() => run('escalation check', () => this.escalate()), escalateCheckMs(this.options.escalateAfterMs)),
    );
  }

  /** Resolves once the checks under way (started by the timers) are done. */
  async idle(): Promise<void> {
    await Promise.all(this.running);
  }

  /** Stops the timers and waits for a check under way. */
  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.idle();
  }
}
