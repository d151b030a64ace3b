import { createHash } from 'node:crypto';
import type { Verdict } from '../rules/types.ts';
import type { AlertSeverity, AlertTransition } from './types.ts';

export interface HysteresisParams {
  openAfter: number;
  resolveAfter: number;
  cooldownMs: number;
  severity: AlertSeverity;
}

/** Per (target, rule) memory: JSON-able, checkpointed with the device. */
export interface HysteresisState {
  badRun: number;
  goodRun: number;
  /** Event time of the first window of the current bad run. */
  badSince: number | null;
  open: { id: string; since: number } | null;
  lastResolvedAt: number | null;
}

export function emptyHysteresis(): HysteresisState {
  return { badRun: 0, goodRun: 0, badSince: null, open: null, lastResolvedAt: null };
}

/** Stable incident id: the same (site, device, rule, start) always gives the same id. */
export function incidentId(site: string, device: string | undefined, rule: string, since: number): string {
  const h = createHash('sha256')
    .update(`${site}\u0000${device ?? ''}\u0000${rule}\u0000${since}`)
    .digest('hex');
  return `al_${h.slice(0, 24)}`;
}

export interface Target {
  site: string;
  device?: string;
  rule: string;
}

/**
 * Opens after `openAfter` consecutive bad windows, resolves after
 * `resolveAfter` consecutive good ones; a window where the rule does not apply
 * (verdict null) changes nothing. Within `cooldownMs` of a resolve no new
 * incident opens. Pure: state in, state and at most one transition out.
 */
export function stepHysteresis(
  state: HysteresisState,
  verdict: Verdict | null,
  windowStart: number,
  windowEnd: number,
  target: Target,
  params: HysteresisParams,
): AlertTransition | undefined {
  if (verdict === null) return undefined;
  if (verdict.bad) {
    state.goodRun = 0;
    if (state.badRun === 0) state.badSince = windowStart;
    state.badRun += 1;
    if (state.open) return undefined;
    if (state.badRun < params.openAfter) return undefined;
    if (state.lastResolvedAt !== null && windowEnd - state.lastResolvedAt < params.cooldownMs) return undefined;
    const since = state.badSince ?? windowStart;
    const id = incidentId(target.site, target.device, target.rule, since);
    state.open = { id, since };
    return transition('open', id, since, windowEnd, target, params, verdict);
  }
  state.badRun = 0;
  state.badSince = null;
  if (!state.open) return undefined;
  state.goodRun += 1;
  if (state.goodRun < params.resolveAfter) return undefined;
  const { id, since } = state.open;
  state.open = null;
  state.goodRun = 0;
  state.lastResolvedAt = windowEnd;
  return transition('resolve', id, since, windowEnd, target, params, verdict);
}

function transition(
  type: 'open' | 'resolve',
  id: string,
  since: number,
  at: number,
  target: Target,
  params: HysteresisParams,
  verdict: Verdict,
): AlertTransition {
  return {
    type,
    id,
    site: target.site,
    ...(target.device === undefined ? {} : { device: target.device }),
    rule: target.rule,
    severity: params.severity,
    since,
    at,
    ...(verdict.value === undefined ? {} : { value: verdict.value }),
    ...(verdict.threshold === undefined ? {} : { threshold: verdict.threshold }),
    message: verdict.message,
  };
}
