import { emptyHysteresis, incidentId, stepHysteresis, type HysteresisState } from '../alerts/hysteresis.ts';
import type { AlertTransition } from '../alerts/types.ts';
import type { CommLossFinding } from './comm-loss.ts';
import type { RulesConfig } from './config.ts';
import { faultState } from './fault-state.ts';
import { frozenValues } from './frozen-values.ts';
import { PEER_RULES, ruleParams } from './index.ts';
import { mpptImbalance } from './mppt-imbalance.ts';
import { overTemperature } from './over-temperature.ts';
import type { DeviceRule, PeerContext, RuleCommon, Verdict } from './types.ts';

/** Device rules that judge a window on its own (no memory), so peers can ask them. */
const CAUSE_RULES = [faultState, overTemperature, mpptImbalance, frozenValues] as unknown as DeviceRule<RuleCommon>[];

function explainedByDevice(self: PeerContext, rules: RulesConfig): boolean {
  return CAUSE_RULES.some((rule) => {
    const params = ruleParams(rules, rule.name);
    return params.enabled && rule.evaluate(self.result, params, undefined).verdict?.bad === true;
  });
}

/** Hysteresis memory of peer rules, keyed `${device}/${rule}`. */
export type PeerState = Map<string, HysteresisState>;

/**
 * Judges every device of one site window against its peers (the other
 * devices of the same site and window) and steps each rule's hysteresis.
 * A device producing nothing is not also reported for low specific yield, and
 * a device whose own window already shows the cause (fault state, over-
 * temperature, a failed string, frozen values) is not judged by its peers:
 * one fault, one alert. Decided from the window alone, so it does not depend
 * on timing or on which instance judges.
 */
export function evaluatePeers(contexts: PeerContext[], rules: RulesConfig, state: PeerState): AlertTransition[] {
  const out: AlertTransition[] = [];
  const sorted = [...contexts].sort((a, b) => (a.result.device < b.result.device ? -1 : 1));
  for (const self of sorted) {
    const peers = sorted.filter((p) => p !== self);
    let dead = explainedByDevice(self, rules);
    for (const rule of PEER_RULES) {
      const params = ruleParams(rules, rule.name);
      if (!params.enabled) continue;
      let verdict: Verdict | null = rule.evaluate(self, peers, params);
      if (dead) verdict = null;
      if (rule.name === 'no_production' && verdict?.bad) dead = true;
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

export interface OpenCommLoss {
  id: string;
  site: string;
  device?: string;
  since: number;
}

/**
 * Communication-loss transitions from the current findings and the
 * communication-loss alerts already open: new silence opens, silence that
 * ended resolves. Ids come from the silence start, so two instances finding
 * the same silence name the same incident.
 */
export function commLossTransitions(
  findings: CommLossFinding[],
  open: OpenCommLoss[],
  now: number,
  rules: RulesConfig,
): AlertTransition[] {
  const params = rules.comm_loss;
  const out: AlertTransition[] = [];
  const key = (site: string, device?: string) => `${site}/${device ?? ''}`;
  const openByKey = new Map(open.map((a) => [key(a.site, a.device), a]));
  const found = new Set<string>();
  const silenceMs = params.expectedIntervalMs * params.periods;
  for (const f of findings) {
    const k = key(f.site, f.device);
    found.add(k);
    if (openByKey.has(k)) continue;
    const minutes = Math.round((now - f.silentSince) / 60_000);
    out.push({
      type: 'open',
      id: incidentId(f.site, f.device, 'comm_loss', f.silentSince),
      site: f.site,
      ...(f.device === undefined ? {} : { device: f.device }),
      rule: 'comm_loss',
      severity: params.severity,
      since: f.silentSince,
      at: now,
      value: now - f.silentSince,
      threshold: silenceMs,
      message:
        f.device === undefined
          ? `site silent: none of its ${f.devices} devices reported for ${minutes} min`
          : `no readings for ${minutes} min`,
    });
  }
  for (const a of open) {
    if (found.has(key(a.site, a.device))) continue;
    out.push({
      type: 'resolve',
      id: a.id,
      site: a.site,
      ...(a.device === undefined ? {} : { device: a.device }),
      rule: 'comm_loss',
      severity: params.severity,
      since: a.since,
      at: now,
      message: a.device === undefined ? 'site reporting again' : 'device reporting again',
    });
  }
  return out;
}
