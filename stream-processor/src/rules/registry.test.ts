import { readFile } from 'node:fs/promises';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES } from './config.ts';
import { CAUSE_RULES, checkRegistry, type DeclaredRule, DEVICE_RULES, PEER_RULES, RULES } from './registry.ts';
import { int, windowRuleParams } from './types.ts';

const README = new URL('../../README.md', import.meta.url);

/** Rule names in the first column of the table under "## Rules" in the package README. */
async function readmeRules(): Promise<string[]> {
  const text = await readFile(README, 'utf8');
  const start = text.indexOf('\n## Rules\n');
  expect(start, 'README has a "## Rules" section').toBeGreaterThan(-1);
  const end = text.indexOf('\n## ', start + 1);
  const section = text.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/^\|\s*`([a-z0-9_]+)`\s*\|/gm)].map((m) => m[1] as string);
}

describe('rule registry', () => {
  it('every registered rule has a row in the README rules table, and every row is a registered rule', async () => {
    const documented = await readmeRules();
    const registered = RULES.map((r) => r.name);
    expect(new Set(documented).size, 'a rule documented twice').toBe(documented.length);
    expect([...documented].sort()).toEqual([...registered].sort());
  });

  it('derives the evaluation lists from the declarations', () => {
    expect(DEVICE_RULES.map((r) => r.name)).toEqual([
      'fault_state',
      'over_temperature',
      'mppt_imbalance',
      'frozen_values',
      'efficiency_outlier',
    ]);
    expect(PEER_RULES.map((r) => r.name)).toEqual(['no_production', 'specific_yield']);
    // The device rules that explain a device to its peers are those judged on the window alone.
    expect(CAUSE_RULES.map((r) => r.name)).toEqual([
      'fault_state',
      'over_temperature',
      'mppt_imbalance',
      'frozen_values',
    ]);
    expect(PEER_RULES.filter((r) => r.explainsPeers).map((r) => r.name)).toEqual(['no_production']);
    expect(Object.keys(DEFAULT_RULES).sort()).toEqual(RULES.map((r) => r.name).sort());
  });

  it("each rule's defaults satisfy its own parameter schema", () => {
    for (const rule of RULES) {
      const errors = [...Value.Errors(rule.params, DEFAULT_RULES[rule.name])].map((e) => `${e.path}: ${e.message}`);
      expect(errors, rule.name).toEqual([]);
    }
  });

  describe('refuses a registry mistake', () => {
    const params = windowRuleParams(
      { severity: 'warning', openAfter: 1, resolveAfter: 1, cooldownMs: 0 },
      { limit: int(3, 'a limit') },
    );
    const rule = (name: string, order: number, kind: DeclaredRule['kind'] = 'device'): DeclaredRule => ({
      name,
      kind,
      order,
      params,
    });

    it.each([
      ['a name used twice', [rule('a_rule', 1), rule('a_rule', 2, 'peer')], 'rule a_rule: registered twice'],
      [
        'two rules of one kind at one order',
        [rule('one', 1), rule('two', 1)],
        'rules one and two: same device order 1',
      ],
      ['a name alerts cannot carry', [rule('Bad-Name', 1)], 'rule Bad-Name: name must match'],
      [
        'a parameter without a default',
        [{ ...rule('no_default', 1), params: { properties: { limit: Type.Integer() } } }],
        'rule no_default: parameter limit has no default',
      ],
    ])('%s', (_what, rules, message) => {
      expect(() => checkRegistry(rules)).toThrow(message);
    });

    it('accepts the same order in different kinds', () => {
      expect(() => checkRegistry([rule('one', 1), rule('two', 1, 'peer')])).not.toThrow();
    });
  });
});
