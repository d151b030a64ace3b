import type { CommLossParams } from './comm-loss.ts';
import type { EwmaOutlierParams } from './ewma-outlier.ts';
import { DEFAULT_FAULT_EVENT_MASK, type FaultStateParams } from './fault-state.ts';
import type { FrozenValuesParams } from './frozen-values.ts';
import type { MpptImbalanceParams } from './mppt-imbalance.ts';
import type { NoProductionParams } from './no-production.ts';
import type { OverTemperatureParams } from './over-temperature.ts';
import type { SpecificYieldParams } from './specific-yield.ts';

export interface RulesConfig {
  over_temperature: OverTemperatureParams;
  fault_state: FaultStateParams;
  mppt_imbalance: MpptImbalanceParams;
  frozen_values: FrozenValuesParams;
  efficiency_outlier: EwmaOutlierParams;
  no_production: NoProductionParams;
  specific_yield: SpecificYieldParams;
  comm_loss: CommLossParams;
}

const MIN = 60_000;

export const DEFAULT_RULES: RulesConfig = {
  over_temperature: {
    enabled: true,
    severity: 'warning',
    openAfter: 3,
    resolveAfter: 2,
    cooldownMs: 15 * MIN,
    maxTemperatureC: 75,
    deratingTemperatureC: 65,
    deratingShare: 0.5,
  },
  fault_state: {
    enabled: true,
    severity: 'critical',
    openAfter: 1,
    resolveAfter: 2,
    cooldownMs: 15 * MIN,
    eventMask: DEFAULT_FAULT_EVENT_MASK,
  },
  mppt_imbalance: {
    enabled: true,
    severity: 'warning',
    openAfter: 3,
    resolveAfter: 3,
    cooldownMs: 30 * MIN,
    maxDeviation: 0.3,
    minInputPowerW: 200,
  },
  frozen_values: {
    enabled: true,
    severity: 'warning',
    openAfter: 2,
    resolveAfter: 1,
    cooldownMs: 15 * MIN,
    minSamples: 5,
    minPowerW: 50,
  },
  efficiency_outlier: {
    enabled: true,
    severity: 'info',
    openAfter: 3,
    resolveAfter: 3,
    cooldownMs: 60 * MIN,
    alpha: 0.1,
    zThreshold: 6,
    warmupWindows: 6,
    minStd: 0.01,
    minDcPowerW: 200,
  },
  no_production: {
    enabled: true,
    severity: 'critical',
    openAfter: 2,
    resolveAfter: 2,
    cooldownMs: 15 * MIN,
    peerMinYield: 0.05,
    peerMinPowerW: 100,
    minPeers: 1,
    maxOwnPowerW: 10,
  },
  specific_yield: {
    enabled: true,
    severity: 'warning',
    openAfter: 3,
    resolveAfter: 3,
    cooldownMs: 30 * MIN,
    maxDeviation: 0.25,
    minPeerYield: 0.1,
    minPeers: 2,
  },
  comm_loss: {
    enabled: true,
    severity: 'critical',
    expectedIntervalMs: 10_000,
    periods: 30,
    forgetAfterMs: 7 * 24 * 60 * MIN,
  },
};

export type RulesOverrides = { [K in keyof RulesConfig]?: Partial<RulesConfig[K]> };

/** Defaults with per-rule overrides applied (shallow per rule). */
export function resolveRules(overrides: RulesOverrides = {}): RulesConfig {
  const out = structuredClone(DEFAULT_RULES) as unknown as Record<string, Record<string, unknown>>;
  for (const [name, o] of Object.entries(overrides)) {
    const base = out[name];
    if (!base) throw new RangeError(`rules.${name}: is not a known rule (${Object.keys(DEFAULT_RULES).join(', ')})`);
    for (const [k, v] of Object.entries(o ?? {})) {
      if (!(k in base)) throw new RangeError(`rules.${name}.${k}: is not a parameter of this rule`);
      if (typeof v !== typeof base[k]) throw new RangeError(`rules.${name}.${k}: must be a ${typeof base[k]}`);
      base[k] = v;
    }
  }
  return out as unknown as RulesConfig;
}
