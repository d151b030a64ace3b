import type pg from 'pg';
import { applyTransitions } from './alerts/alert-store.ts';
import type { AlertTransition } from './alerts/types.ts';
import type { RulesConfig } from './rules/config.ts';
import { evaluatePeers } from './rules/peer-evaluator.ts';
import { inTransaction } from './store/queryable.ts';
import { listSiteWindowDevices, loadSiteWindows, siteWindowKey } from './store/results-store.ts';
import {
  listExpectedDevices,
  listUnjudgedSiteWindows,
  lockSiteStates,
  saveSiteStates,
  type SiteState,
  type SiteWindow,
} from './store/site-state-store.ts';

export interface SiteJudgeOptions {
  groupId: string;
  rules: RulesConfig;
  /** Peer rules wait this long (processing time) for a site's missing devices before judging without them. */
  siteWaitMs: number;
  /** Devices of a site that reported within this much processing time are expected in each of its windows. */
  siteActiveHorizonMs: number;
  /** Nameplates (Wp) by device id; the registry's `devices.nameplate_dc_wp` is used otherwise. */
  nameplates: Record<string, number>;
  /** Outbox channels alert events are queued for. */
  channels: string[];
}

/** Counters the judge adds to (shared with the processor core's). */
export interface SiteJudgeCounters {
  alertsOpened: number;
  alertsResolved: number;
  siteWindowsJudged: number;
}

/**
 * Peer rules per site window. Devices of one site may sit in different
 * partitions and instances, so peers meet in PostgreSQL: the core tells the
 * judge which site windows it stored results for, and the judge judges each
 * once every device expected in it has its result (or after `siteWaitMs`),
 * strictly in window order per site. Row locks on the sites' state make one
 * instance judge each site window; every pending site window is handled in
 * one transaction with a handful of statements.
 */
export class SiteJudge {
  /** Site windows waiting for judgement → processing time first seen. */
  private readonly pending = new Map<string, SiteWindow & { since: number }>();

  constructor(
    private readonly options: SiteJudgeOptions,
    private readonly pool: pg.Pool,
    private readonly counters: SiteJudgeCounters,
    private readonly now: () => number,
  ) {}

  /** How many site windows wait for judgement. */
  get waiting(): number {
    return this.pending.size;
  }

  /** Site windows that now have a stored result (a first result: corrections change nothing for peers). */
  stored(windows: SiteWindow[], now = this.now()): void {
    for (const w of windows) {
      const key = siteWindowKey(w.site, w.windowStart);
      if (!this.pending.has(key)) this.pending.set(key, { site: w.site, windowStart: w.windowStart, since: now });
    }
  }

  /** Site windows checkpointed (by any instance, before a crash or rebalance) but not judged yet. */
  async recover(sites: string[], now = this.now()): Promise<void> {
    this.stored(await listUnjudgedSiteWindows(this.pool, this.options.groupId, sites), now);
  }

  /** Judges every pending site window that is complete (or has waited long enough). */
  async judge(): Promise<void> {
    if (this.pending.size === 0) return;
    const now = this.now();
    const { groupId, siteWaitMs, siteActiveHorizonMs, nameplates, channels, rules } = this.options;
    const pending = [...this.pending.values()].sort((a, b) => a.windowStart - b.windowStart);
    const sites = [...new Set(pending.map((p) => p.site))].sort();
    const done = await inTransaction(this.pool, async (c) => {
      const siteState = await lockSiteStates(c, groupId, sites);
      const present = await listSiteWindowDevices(c, pending);
      const expected = await listExpectedDevices(c, groupId, sites, now - siteActiveHorizonMs);
      // Which site windows are judged now: decided from which devices have a result, so only those windows'
      // results are read (a window still waiting for a device is not read again at every pass).
      const finished: string[] = [];
      const ready: { site: string; windowStart: number; st: SiteState }[] = [];
      const blocked = new Set<string>();
      for (const p of pending) {
        // Strict window order per site: a window waiting for a device holds back the later ones.
        if (blocked.has(p.site)) continue;
        const key = siteWindowKey(p.site, p.windowStart);
        const st = siteState.get(p.site);
        if (!st) continue;
        if (st.last !== null && st.last >= p.windowStart) {
          finished.push(key);
          continue;
        }
        if (now - p.since < siteWaitMs) {
          const have = new Set(present.get(key));
          if ((expected.get(p.site) ?? []).some((d) => !have.has(d))) {
            blocked.add(p.site);
            continue;
          }
        }
        // Judged below, in this transaction (a failed one leaves the stored state as it was).
        st.last = p.windowStart;
        ready.push({ site: p.site, windowStart: p.windowStart, st });
        finished.push(key);
      }
      const stored = await loadSiteWindows(c, ready);
      const transitions: AlertTransition[] = [];
      for (const w of ready) {
        const contexts = (stored.get(siteWindowKey(w.site, w.windowStart)) ?? []).map((r) => ({
          result: r.result,
          nameplateWp: nameplates[r.result.device] ?? r.nameplateWp,
        }));
        transitions.push(...evaluatePeers(contexts, rules, w.st.state));
        this.counters.siteWindowsJudged += 1;
      }
      const applied = await applyTransitions(c, transitions, channels);
      this.counters.alertsOpened += applied.opened;
      this.counters.alertsResolved += applied.resolved;
      await saveSiteStates(
        c,
        groupId,
        [...new Map(ready.map((w) => [w.site, w.st]))].map(([site, state]) => ({ site, state })),
      );
      return finished;
    });
    for (const key of done) this.pending.delete(key);
  }
}
