import type { Static, TSchema } from '@sinclair/typebox';
import type { WindowResult } from '../aggregates/window-aggregate.ts';
import { commLoss } from './comm-loss.ts';
import { ewmaOutlier } from './ewma-outlier.ts';
import { faultState } from './fault-state.ts';
import { frozenValues } from './frozen-values.ts';
import { mpptImbalance } from './mppt-imbalance.ts';
import { noProduction } from './no-production.ts';
import { overTemperature } from './over-temperature.ts';
import { specificYield } from './specific-yield.ts';
import type { PeerContext, RuleCommon, Verdict } from './types.ts';

/**
 * Every rule of the processor: one line per rule module. Everything else —
 * the `RulesConfig` type, the defaults, which rules run per device window or
 * among peers, in which order, and which ones explain a device to its peers —
 * is derived from what each module declares. (The order of this list is the
 * order rules are named in configuration errors.)
 */
export const RULES = [
  overTemperature,
  faultState,
  mpptImbalance,
  frozenValues,
  ewmaOutlier,
  noProduction,
  specificYield,
  commLoss,
] as const;

export type RegisteredRule = (typeof RULES)[number];
export type RuleName = RegisteredRule['name'];

/** A device rule as the engine runs it: parameters and memory taken from the configuration and the checkpoint. */
export interface RunnableDeviceRule {
  readonly name: string;
  readonly order: number;
  readonly explainsPeers: boolean;
  paramsIn(config: RulesConfig): RuleCommon;
  judge(result: WindowResult, config: RulesConfig, state: unknown): { verdict: Verdict | null; state?: unknown };
}

/** A peer rule as the site judge runs it. */
export interface RunnablePeerRule {
  readonly name: string;
  readonly order: number;
  readonly explainsPeers: boolean;
  paramsIn(config: RulesConfig): RuleCommon;
  judge(self: PeerContext, peers: PeerContext[], config: RulesConfig): Verdict | null;
}

type DeviceKind = Extract<RegisteredRule, { kind: 'device' }>;
type PeerKind = Extract<RegisteredRule, { kind: 'peer' }>;
const isDevice = (r: RegisteredRule): r is DeviceKind => r.kind === 'device';
const isPeer = (r: RegisteredRule): r is PeerKind => r.kind === 'peer';
const byOrder = (a: { order: number }, b: { order: number }) => a.order - b.order;

/** Rules judged per device window, in evaluation order (most specific first). */
export const DEVICE_RULES: readonly RunnableDeviceRule[] = RULES.filter(isDevice).sort(byOrder);

/** Rules judged on a device among its site's peers for the same window, in evaluation order. */
export const PEER_RULES: readonly RunnablePeerRule[] = RULES.filter(isPeer).sort(byOrder);

/** Device rules whose bad verdict on the window alone explains the device to its peers (they keep no memory). */
export const CAUSE_RULES: readonly RunnableDeviceRule[] = DEVICE_RULES.filter((r) => r.explainsPeers);

/** What the registry check reads of a rule declaration. */
export interface DeclaredRule {
  readonly name: string;
  readonly kind: 'device' | 'peer' | 'clock';
  readonly order?: number;
  readonly params: { readonly properties: Record<string, TSchema> };
}

/** Rule names as alerts carry them (the alert contract's `rule` pattern). */
const RULE_NAME = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * Checks what the type system cannot: unique names, a name fit for alerts,
 * a default for every parameter, a unique order within a kind. Throws at
 * start-up on a registry mistake rather than misjudging later.
 */
export function checkRegistry(rules: readonly DeclaredRule[] = RULES): void {
  const names = new Set<string>();
  const orders = new Map<string, string>();
  for (const rule of rules) {
    if (!RULE_NAME.test(rule.name)) throw new RangeError(`rule ${rule.name}: name must match ${RULE_NAME.source}`);
    if (names.has(rule.name)) throw new RangeError(`rule ${rule.name}: registered twice`);
    names.add(rule.name);
    for (const [key, schema] of Object.entries(rule.params.properties)) {
      if (schema.default === undefined) throw new RangeError(`rule ${rule.name}: parameter ${key} has no default`);
    }
    if (rule.kind === 'clock' || rule.order === undefined) continue;
    const slot = `${rule.kind}@${rule.order}`;
    const other = orders.get(slot);
    if (other) throw new RangeError(`rules ${other} and ${rule.name}: same ${rule.kind} order ${rule.order}`);
    orders.set(slot, rule.name);
  }
}

checkRegistry();

/** Every rule's parameters by rule name, as each rule module declares them. */
export type RulesConfig = { [R in RegisteredRule as R['name']]: Static<R['params']> };
