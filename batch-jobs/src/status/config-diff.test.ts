import { describe, expect, it } from 'vitest';
import { diffConfig } from './config-diff.ts';

describe('config diff', () => {
  it('lists exactly the leaf keys added, removed or changed', () => {
    const a = { norm: { factor: 1, min_id: 0, tags: ['a'] }, gold: { window: { days: 7 } }, gone: { x: 1 } };
    const b = { norm: { factor: 1, min_id: 3, tags: ['a', 'b'] }, gold: { window: { days: 7 } }, added: { y: true } };
    expect(diffConfig(a, b)).toEqual([
      { key: 'added.y', before: undefined, after: true },
      { key: 'gone.x', before: 1, after: undefined },
      { key: 'norm.min_id', before: 0, after: 3 },
      { key: 'norm.tags', before: ['a'], after: ['a', 'b'] },
    ]);
    expect(diffConfig(a, structuredClone(a))).toEqual([]);
  });
});
