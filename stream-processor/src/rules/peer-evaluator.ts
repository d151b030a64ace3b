import { emptyHysteresis, stepHysteresis, type HysteresisState } from '../alerts/hysteresis.ts';
import type { AlertTransition } from '../alerts/types.ts';
import type { RulesConfig } from './config.ts';
import { CAUSE_RULES, PEER_RULES } from './registry.ts';
import type { PeerContext, Verdict } from './types.ts';

/** Whether a device rule that explains peers finds its window bad on its own (no memory asked). */
function explainedByDevice(self: PeerContext, rules: RulesConfig): boolean {
  return CAUSE_RULES.some(
    (rule) => rule.paramsIn(rules).enabled && rule.judge(self.result, rules, undefined).verdict?.bad === true,
  );
}

/** Hysteresis memory of peer rules, keyed `${device}/${rule}`. */
export type PeerState = Map<string, HysteresisState>;

/**
 * Judges every device of one site window against its peers (the other
 * devices of the same site and window) and steps each rule's hysteresis.
 * A device whose window already shows the cause (a device rule that explains
 * peers: fault state, over-temperature, a failed string, frozen values) is
 * not judged by its peers, and a peer rule that explains peers (no
 * production) silences the ones after it: one fault, one alert. Decided from
 * the window alone, so it does not depend on timing or on which instance
 * judges.
 */
export function evaluatePeers(contexts: PeerContext[], rules: RulesConfig, state: PeerState): AlertTransition[] {
  const out: AlertTransition[] = [];
  const sorted = [...contexts].sort((a, b) => (a.result.device < b.result.device ? -1 : 1));
  for (const self of sorted) {
    const peers = sorted.filter((p) => p !== self);
    let explained = explainedByDevice(self, rules);
    for (const rule of PEER_RULES) {
      const params = rule.paramsIn(rules);
      if (!params.enabled) continue;
      let verdict: Verdict | null = rule.judge(self, peers, rules);
      if (explained) verdict = null;
      if (rule.explainsPeers && verdict?.bad) explained = true;
      const key = `${self.result.device}/${rule.name}`;
      let h = state.get(key);
      if (!h) {
        h = emptyHysteresis();
        state.set(key, h);
      }
      const t = stepHysteresis(
        h,
        verdict,
        self.result.windowStart,
        self.result.windowEnd,
        { site: self.result.site, device: self.result.device, rule: rule.name },
        params,
      );
      if (t) out.push(t);
    }
  }
  return out;
}
