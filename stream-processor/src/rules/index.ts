import type { RulesConfig } from './config.ts';
import { ewmaOutlier } from './ewma-outlier.ts';
import { faultState } from './fault-state.ts';
import { frozenValues } from './frozen-values.ts';
import { mpptImbalance } from './mppt-imbalance.ts';
import { noProduction } from './no-production.ts';
import { overTemperature } from './over-temperature.ts';
import { specificYield } from './specific-yield.ts';
import type { DeviceRule, PeerRule, RuleCommon } from './types.ts';

export * from './config.ts';
export * from './comm-loss.ts';
export type { DeviceRule, PeerContext, PeerRule, RuleCommon, Verdict } from './types.ts';

/** Rules judged per device window, in evaluation order. */
export const DEVICE_RULES = [
  faultState,
  overTemperature,
  mpptImbalance,
  frozenValues,
  ewmaOutlier,
] as unknown as DeviceRule<RuleCommon, unknown>[];

/** Rules judged on a device among its site's peers for the same window. */
export const PEER_RULES = [noProduction, specificYield] as unknown as PeerRule<RuleCommon>[];

export function ruleParams(config: RulesConfig, name: string): RuleCommon {
  const p = (config as unknown as Record<string, RuleCommon>)[name];
  if (!p) throw new RangeError(`no parameters for rule ${name}`);
  return p;
}
