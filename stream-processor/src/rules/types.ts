import type { AlertSeverity } from '../alerts/types.ts';
import type { WindowResult } from '../aggregates/window-aggregate.ts';

/** What a rule says about one window: bad or good, or null when it does not apply (e.g. at night). */
export interface Verdict {
  bad: boolean;
  value?: number;
  threshold?: number;
  message: string;
}

/** Settings every rule has: hysteresis, cooldown, severity, on/off. */
export interface RuleCommon {
  enabled: boolean;
  severity: AlertSeverity;
  /** Consecutive bad windows before an alert opens. */
  openAfter: number;
  /** Consecutive good windows before it resolves. */
  resolveAfter: number;
  /** After a resolve, the same rule on the same target opens nothing for this long (event time). */
  cooldownMs: number;
}

/** A rule that looks at one device's window on its own (plus its own remembered state). */
export interface DeviceRule<P extends RuleCommon = RuleCommon, S = unknown> {
  name: string;
  evaluate(result: WindowResult, params: P, state: S | undefined): { verdict: Verdict | null; state?: S };
}

/** One device's window seen among its site's peers for the same window. */
export interface PeerContext {
  result: WindowResult;
  /** Nameplate DC power (Wp) when known. */
  nameplateWp: number | undefined;
}

export interface PeerRule<P extends RuleCommon = RuleCommon> {
  name: string;
  evaluate(self: PeerContext, peers: PeerContext[], params: P): Verdict | null;
}

export function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export const round = (x: number, digits = 3): number => Number(x.toFixed(digits));
