import { describe, expect, it } from 'vitest';
import type { JobsError } from '../errors.ts';
import { defineAsset } from './asset.ts';
import { AssetGraph } from './asset-graph.ts';

const asset = (key: string, deps: string[] = []) =>
  defineAsset({ key, layer: 'raw', deps, codeVersion: '1', materialize: async () => undefined });

function graphError(assets: ReturnType<typeof asset>[]): JobsError {
  try {
    new AssetGraph(assets);
  } catch (err) {
    return err as JobsError;
  }
  throw new Error('expected the graph to be refused');
}

describe('asset graph validation', () => {
  it('names the asset and its unknown dependency', () => {
    const err = graphError([asset('a'), asset('b', ['a', 'nope'])]);
    expect(err.code).toBe('JOBS_GRAPH_INVALID');
    expect(err.message).toContain('asset b depends on unknown asset nope');
  });

  it('names every asset of a cycle, in data-flow order', () => {
    const err = graphError([asset('a', ['c']), asset('b', ['a']), asset('c', ['b']), asset('d')]);
    expect(err.message).toMatch(/dependency cycle: (a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c)/);
    expect(err.message).not.toMatch(/\bd\b/);
  });

  it('refuses duplicate keys, self-dependencies and keys that are not ids, all in one error', () => {
    const err = graphError([asset('a'), asset('a'), asset('Bad Key'), asset('s', ['s'])]);
    expect(err.message).toContain('duplicate asset key a');
    expect(err.message).toContain('asset key "Bad Key" is not an id');
    expect(err.message).toContain('asset s depends on itself');
  });

  it('orders a diamond upstream first and walks both directions', () => {
    const g = new AssetGraph([asset('d', ['b', 'c']), asset('b', ['a']), asset('c', ['a']), asset('a')]);
    expect(g.order).toEqual(['a', 'b', 'c', 'd']);
    expect([...g.downstreamOf('a')].sort()).toEqual(['b', 'c', 'd']);
    expect([...g.upstreamOf('d')].sort()).toEqual(['a', 'b', 'c']);
    expect(g.directDownstream('a')).toEqual(['b', 'c']);
    expect(() => g.get('zz')).toThrow(/no asset zz/);
  });
});
