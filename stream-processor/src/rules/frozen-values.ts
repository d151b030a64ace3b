import type { Static } from '@sinclair/typebox';
import { STAT_FIELDS } from '../aggregates/window-aggregate.ts';
import { deviceRule, int, num, windowRuleParams } from './types.ts';

const params = windowRuleParams(
  { severity: 'warning', openAfter: 2, resolveAfter: 1, cooldownMs: 15 * 60_000 },
  {
    minSamples: int(5, 'Enough readings to tell a frozen value from a quiet one.'),
    minPowerW: num(
      50,
      'Only while producing at least this much: a sleeping inverter legitimately reads a constant 0 W.',
    ),
  },
);
export type FrozenValuesParams = Static<typeof params>;

/**
 * Frozen values: every summarized metric identical across the whole window
 * while the inverter reports production — a stuck logger or register map.
 */
export const frozenValues = deviceRule({
  name: 'frozen_values',
  params,
  order: 40,
  explainsPeers: true,
  evaluate(r, p) {
    const ac = r.stats.ac_power_w;
    if (!ac || r.samples < p.minSamples || ac.mean < p.minPowerW) return { verdict: null };
    const present = STAT_FIELDS.map((f) => r.stats[f]).filter((s) => s !== null);
    const frozen = present.every((s) => s.max === s.min);
    const counterStuck = r.energyWh === 0;
    const bad = frozen || counterStuck;
    return {
      verdict: {
        bad,
        value: ac.mean,
        message: bad
          ? frozen
            ? `${present.length} metrics unchanged over ${r.samples} readings at ${ac.mean} W`
            : `energy counter unchanged while reporting ${ac.mean} W`
          : 'values changing',
      },
    };
  },
});
