import { type Static, type TObject, type TProperties, type TSchema, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ALERT_SEVERITIES } from '@ysh/common';
import type { WindowResult } from '../aggregates/window-aggregate.ts';
import type { AlertSeverity } from '../alerts/types.ts';

/**
 * What a rule is made of. Each rule file declares one rule with `deviceRule`,
 * `statefulDeviceRule`, `peerRule` or `clockRule`: its name, its kind, its
 * parameters as a TypeBox schema whose `default`s are the rule's defaults,
 * its evaluation order and whether a bad verdict explains the device to the
 * peer rules. `registry.ts` lists the rule modules; the configuration type,
 * the defaults and the evaluation lists are derived from these declarations.
 */

/** What a rule says about one window: bad or good, or null when it does not apply (e.g. at night). */
export interface Verdict {
  bad: boolean;
  value?: number;
  threshold?: number;
  message: string;
}

function severity(value: AlertSeverity) {
  return Type.Union(
    ALERT_SEVERITIES.map((s) => Type.Literal(s)),
    { default: value, description: 'Severity of the alerts this rule opens.' },
  );
}

const enabled = () => Type.Boolean({ default: true, description: 'Whether the rule is judged at all.' });

/** Defaults of the settings every window rule has. */
export interface HysteresisDefaults {
  severity: AlertSeverity;
  openAfter: number;
  resolveAfter: number;
  cooldownMs: number;
}

function hysteresisProperties(d: HysteresisDefaults) {
  return {
    enabled: enabled(),
    severity: severity(d.severity),
    openAfter: Type.Integer({ default: d.openAfter, description: 'Consecutive bad windows before an alert opens.' }),
    resolveAfter: Type.Integer({
      default: d.resolveAfter,
      description: 'Consecutive good windows before it resolves.',
    }),
    cooldownMs: Type.Number({
      default: d.cooldownMs,
      description: 'After a resolve, the same rule on the same target opens nothing for this long (event time).',
    }),
  };
}

type HysteresisProperties = ReturnType<typeof hysteresisProperties>;

/** Settings every window rule has: hysteresis, cooldown, severity, on/off. */
export type RuleCommon = Static<TObject<HysteresisProperties>>;

/** The parameter schema of a window rule: the common settings with this rule's defaults, plus its own parameters. */
export function windowRuleParams<P extends TProperties>(defaults: HysteresisDefaults, own: P) {
  return Type.Object({ ...hysteresisProperties(defaults), ...own });
}

/** The parameter schema of a processing-time rule: on/off and severity, plus its own parameters (no hysteresis). */
export function clockRuleParams<P extends TProperties>(defaults: { severity: AlertSeverity }, own: P) {
  return Type.Object({ enabled: enabled(), severity: severity(defaults.severity), ...own });
}

/** A number parameter with its default. */
export const num = (value: number, description: string) => Type.Number({ default: value, description });
/** An integer parameter with its default. */
export const int = (value: number, description: string) => Type.Integer({ default: value, description });

/** A window rule's parameter schema: any object schema with at least the common settings. */
type WindowRuleSchema = TObject & { properties: HysteresisProperties };
type ClockRuleSchema = TObject & { properties: Pick<HysteresisProperties, 'enabled' | 'severity'> };

/** The part of the rules configuration one rule reads: its own entry. */
export type ConfigWith<N extends string, S extends TSchema> = { readonly [K in N]: Static<S> };

interface RuleBase<N extends string, S extends TSchema> {
  /** Rule name: the key in `YSH_PROCESSOR_RULES`, the `rule` of its alerts. */
  readonly name: N;
  /** Parameters; each property's `default` is the rule's default. */
  readonly params: S;
  /** This rule's parameters out of the whole rules configuration. */
  paramsIn(config: ConfigWith<N, S>): Static<S>;
}

interface OrderedRule {
  /** Rules of one kind are judged in ascending order (unique within the kind). */
  readonly order: number;
  /**
   * A bad verdict of this rule explains the device's window to its peers: the
   * peer rules judged after it give that device no verdict for the window
   * (one fault, one alert). A device rule with this flag is asked on the
   * window alone, so it must keep no memory.
   */
  readonly explainsPeers: boolean;
}

/** A rule that looks at one device's window on its own (plus the memory it keeps, `St`). */
export interface DeviceRule<N extends string = string, S extends WindowRuleSchema = WindowRuleSchema, St = undefined>
  extends RuleBase<N, S>,
    OrderedRule {
  readonly kind: 'device';
  evaluate(result: WindowResult, params: Static<S>, state: St | undefined): { verdict: Verdict | null; state?: St };
  /** `evaluate` with the parameters taken from the configuration and the memory as stored (checked). */
  judge(result: WindowResult, config: ConfigWith<N, S>, state: unknown): { verdict: Verdict | null; state?: St };
}

/** One device's window seen among its site's peers for the same window. */
export interface PeerContext {
  result: WindowResult;
  /** Nameplate DC power (Wp) when known. */
  nameplateWp: number | undefined;
}

/** A rule that judges a device's window against the other devices of its site in the same window. */
export interface PeerRule<N extends string = string, S extends WindowRuleSchema = WindowRuleSchema>
  extends RuleBase<N, S>,
    OrderedRule {
  readonly kind: 'peer';
  evaluate(self: PeerContext, peers: PeerContext[], params: Static<S>): Verdict | null;
  judge(self: PeerContext, peers: PeerContext[], config: ConfigWith<N, S>): Verdict | null;
}

/** A rule judged on processing time by the alert clock rather than on windows (communication loss). */
export interface ClockRule<N extends string = string, S extends ClockRuleSchema = ClockRuleSchema>
  extends RuleBase<N, S> {
  readonly kind: 'clock';
}

interface DeviceRuleDeclaration<N extends string, S extends WindowRuleSchema> {
  name: N;
  params: S;
  order: number;
  explainsPeers: boolean;
  evaluate(result: WindowResult, params: Static<S>): { verdict: Verdict | null };
}

/** Declares a device rule without memory. */
export function deviceRule<const N extends string, S extends WindowRuleSchema>(
  d: DeviceRuleDeclaration<N, S>,
): DeviceRule<N, S> {
  return {
    kind: 'device',
    name: d.name,
    params: d.params,
    order: d.order,
    explainsPeers: d.explainsPeers,
    paramsIn: (config) => config[d.name],
    evaluate: (result, params) => d.evaluate(result, params),
    judge: (result, config) => d.evaluate(result, config[d.name]),
  };
}

interface StatefulDeviceRuleDeclaration<N extends string, S extends WindowRuleSchema, M extends TSchema> {
  name: N;
  params: S;
  /** Schema of the memory kept per device (checkpointed as JSON); stored memory that does not match starts afresh. */
  state: M;
  order: number;
  evaluate(
    result: WindowResult,
    params: Static<S>,
    state: Static<M> | undefined,
  ): { verdict: Verdict | null; state?: Static<M> };
}

/** Declares a device rule that keeps memory between windows (it cannot explain peers: it is not judged on the window alone). */
export function statefulDeviceRule<const N extends string, S extends WindowRuleSchema, M extends TSchema>(
  d: StatefulDeviceRuleDeclaration<N, S, M>,
): DeviceRule<N, S, Static<M>> {
  const memory = (state: unknown): Static<M> | undefined => (Value.Check(d.state, state) ? state : undefined);
  return {
    kind: 'device',
    name: d.name,
    params: d.params,
    order: d.order,
    explainsPeers: false,
    paramsIn: (config) => config[d.name],
    evaluate: (result, params, state) => d.evaluate(result, params, state),
    judge: (result, config, state) => d.evaluate(result, config[d.name], memory(state)),
  };
}

interface PeerRuleDeclaration<N extends string, S extends WindowRuleSchema> {
  name: N;
  params: S;
  order: number;
  explainsPeers: boolean;
  evaluate(self: PeerContext, peers: PeerContext[], params: Static<S>): Verdict | null;
}

/** Declares a peer rule. */
export function peerRule<const N extends string, S extends WindowRuleSchema>(
  d: PeerRuleDeclaration<N, S>,
): PeerRule<N, S> {
  return {
    kind: 'peer',
    name: d.name,
    params: d.params,
    order: d.order,
    explainsPeers: d.explainsPeers,
    paramsIn: (config) => config[d.name],
    evaluate: (self, peers, params) => d.evaluate(self, peers, params),
    judge: (self, peers, config) => d.evaluate(self, peers, config[d.name]),
  };
}

/** Declares a processing-time rule (its logic lives with the alert clock that runs it). */
export function clockRule<const N extends string, S extends ClockRuleSchema>(d: {
  name: N;
  params: S;
}): ClockRule<N, S> {
  return { kind: 'clock', name: d.name, params: d.params, paramsIn: (config) => config[d.name] };
}

export function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export const round = (x: number, digits = 3): number => Number(x.toFixed(digits));
