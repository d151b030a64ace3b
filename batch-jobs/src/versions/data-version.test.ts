import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, dataVersion, inputVersion, versionHash } from './data-version.ts';

describe('data versions', () => {
  it('never confuse field boundaries: ("ab","c") and ("a","bc") hash apart', () => {
    expect(versionHash('d', 'ab', 'c')).not.toBe(versionHash('d', 'a', 'bc'));
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 4 }), fc.array(fc.string(), { maxLength: 4 }), (a, b) => {
        fc.pre(JSON.stringify(a) !== JSON.stringify(b));
        expect(canonicalJson(a)).not.toBe(canonicalJson(b));
      }),
    );
  });

  it('do not depend on key order, and depend on every input', () => {
    const base = { codeVersion: '1', configHash: 'c', upstream: { a: 'x', b: 'y' } };
    expect(inputVersion(base, 's')).toBe(inputVersion({ ...base, upstream: { b: 'y', a: 'x' } }, 's'));
    const variants = [
      inputVersion(base, 's'),
      inputVersion(base, undefined),
      inputVersion({ ...base, codeVersion: '2' }, 's'),
      inputVersion({ ...base, configHash: 'd' }, 's'),
      inputVersion({ ...base, upstream: { a: 'x', b: 'z' } }, 's'),
      inputVersion({ ...base, upstream: { a: 'x' } }, 's'),
      dataVersion(base, 's'),
    ];
    expect(new Set(variants).size).toBe(variants.length);
    expect(dataVersion(base, 'f1')).not.toBe(dataVersion(base, 'f2'));
    expect(versionHash('d', 1)).toMatch(/^[0-9a-f]{24}$/);
  });
});
