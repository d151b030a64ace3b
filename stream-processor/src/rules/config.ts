import { Value } from '@sinclair/typebox/value';
import { RULES, type RulesConfig } from './registry.ts';

export type { RulesConfig } from './registry.ts';

/** What `YSH_PROCESSOR_RULES` may hold: per rule, any of its parameters. */
export type RulesOverrides = { [K in keyof RulesConfig]?: Partial<RulesConfig[K]> };

type Loose = Record<string, Record<string, unknown>>;

/**
 * Narrows a built configuration: every registered rule, every declared parameter of the
 * type of its default and within its schema (a severity the alerts table accepts, whole
 * numbers where counts are meant), so a bad override stops start-up instead of failing
 * every checkpoint later.
 */
function assertRulesConfig(out: Loose): asserts out is Loose & RulesConfig {
  for (const rule of RULES) {
    const p = out[rule.name];
    if (!p) throw new RangeError(`rules.${rule.name}: missing`);
    for (const [k, schema] of Object.entries(rule.params.properties)) {
      const expected = typeof schema.default;
      if (typeof p[k] !== expected) throw new RangeError(`rules.${rule.name}.${k}: must be a ${expected}`);
    }
    const problem = Value.Errors(rule.params, p).First();
    if (problem) {
      const field = problem.path.replace(/^\//, '').replaceAll('/', '.');
      throw new RangeError(`rules.${rule.name}.${field}: ${problem.message}, got ${JSON.stringify(problem.value)}`);
    }
  }
}

/** A fresh copy of every rule's parameters at the `default` its schema declares. */
function defaults(): Loose {
  const out: Loose = {};
  for (const rule of RULES) {
    out[rule.name] = Object.fromEntries(Object.entries(rule.params.properties).map(([k, s]) => [k, s.default]));
  }
  return out;
}

/** Each rule's declared defaults. */
export const DEFAULT_RULES: RulesConfig = resolveRules();

/** Defaults with per-rule overrides applied (shallow per rule). */
export function resolveRules(overrides: RulesOverrides = {}): RulesConfig {
  const out = defaults();
  for (const [name, o] of Object.entries(overrides)) {
    const base = out[name];
    if (!base) throw new RangeError(`rules.${name}: is not a known rule (${Object.keys(out).join(', ')})`);
    for (const [k, v] of Object.entries(o ?? {})) {
      if (!(k in base)) throw new RangeError(`rules.${name}.${k}: is not a parameter of this rule`);
      if (typeof v !== typeof base[k]) throw new RangeError(`rules.${name}.${k}: must be a ${typeof base[k]}`);
      base[k] = v;
    }
  }
  assertRulesConfig(out);
  return out;
}
