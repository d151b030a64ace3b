import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LAYOUT, edgesOnNodes, layeredLayout } from './layout.ts';

const { nodeWidth, nodeHeight, rankGap, rowGap } = DEFAULT_LAYOUT;

describe('layeredLayout', () => {
  it('ranks each asset by its longest path from a source: raw → normalized → gold, left to right', () => {
    const layout = layeredLayout({
      nodes: [{ key: 'catalog_items' }, { key: 'items_normalized' }, { key: 'cec_raw' }, { key: 'supplier_raw' }],
      edges: [
        { from: 'cec_raw', to: 'items_normalized' },
        { from: 'supplier_raw', to: 'items_normalized' },
        { from: 'items_normalized', to: 'catalog_items' },
        // a shortcut edge must not pull catalog_items back to rank 1
        { from: 'cec_raw', to: 'catalog_items' },
      ],
    });
    const rank = (k: string) => layout.nodes.get(k)?.rank;
    expect([rank('cec_raw'), rank('supplier_raw'), rank('items_normalized'), rank('catalog_items')]).toEqual([
      0, 0, 1, 2,
    ]);
    expect(layout.nodes.get('catalog_items')?.x).toBe(2 * (nodeWidth + rankGap));
    expect(layout.width).toBe(3 * nodeWidth + 2 * rankGap);
    expect(layout.height).toBe(2 * nodeHeight + rowGap);
    // the edge leaves the right side of its source and enters the left side of its target
    const edge = layout.edges.find((e) => e.from === 'items_normalized' && e.to === 'catalog_items');
    const one = layout.nodes.get('items_normalized');
    expect(edge?.path.startsWith(`M${(one?.x ?? 0) + nodeWidth},`)).toBe(true);
  });

  it('orders a rank by its parents so two independent chains do not cross', () => {
    const layout = layeredLayout({
      nodes: ['a1', 'b1', 'a2', 'b2'].map((key) => ({ key })),
      // names sort b2 < a2 would cross without the barycentre pass; use z/y to force it
      edges: [
        { from: 'a1', to: 'z' },
        { from: 'b1', to: 'y' },
      ],
    });
    expect(layout.edges).toHaveLength(0); // z and y are not nodes: unknown ends are dropped
    const crossing = layeredLayout({
      nodes: ['a', 'b', 'z', 'y'].map((key) => ({ key })),
      edges: [
        { from: 'a', to: 'z' },
        { from: 'b', to: 'y' },
      ],
    });
    const y = (k: string) => crossing.nodes.get(k)?.y ?? Number.NaN;
    expect(y('a') < y('b')).toBe(y('z') < y('y'));
  });

  it('terminates on a cycle and on self-loops (a malformed answer must not hang the page)', () => {
    const layout = layeredLayout({
      nodes: [{ key: 'a' }, { key: 'b' }, { key: 'c' }],
      edges: [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'a' },
        { from: 'c', to: 'c' },
      ],
    });
    expect(layout.nodes.size).toBe(3);
    expect(layout.edges.map((e) => `${e.from}>${e.to}`).sort()).toEqual(['a>b', 'b>a']);
  });

  it('property: for any DAG every edge points to a higher rank and no two nodes overlap', () => {
    const dag = fc.integer({ min: 1, max: 25 }).chain((n) =>
      fc.record({
        n: fc.constant(n),
        edges: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 60 }),
      }),
    );
    fc.assert(
      fc.property(dag, ({ n, edges }) => {
        const keys = Array.from({ length: n }, (_, i) => `k${i}`);
        // orient every pair low → high index: always acyclic
        const es = edges
          .filter(([a, b]) => a !== b)
          .map(([a, b]) => ({ from: keys[Math.min(a, b)] as string, to: keys[Math.max(a, b)] as string }));
        const layout = layeredLayout({ nodes: keys.map((key) => ({ key })), edges: es });
        for (const e of es) expect(layout.nodes.get(e.to)!.rank).toBeGreaterThan(layout.nodes.get(e.from)!.rank);
        const spots = new Set([...layout.nodes.values()].map((p) => `${p.x},${p.y}`));
        expect(spots.size).toBe(n);
        for (const p of layout.nodes.values()) {
          expect(p.x + nodeWidth).toBeLessThanOrEqual(layout.width);
          expect(p.y + nodeHeight).toBeLessThanOrEqual(layout.height + 1e-9);
          expect(p.y).toBeGreaterThanOrEqual(0);
        }
      }),
    );
  });
});

describe('edgesOnNodes', () => {
  it('reads a partition-suffixed end as its asset, and leaves real keys alone', () => {
    const nodes = [{ key: 'demo_sites' }, { key: 'demo_meter_daily' }, { key: 'odd@key' }];
    expect(
      edgesOnNodes(nodes, [
        { from: 'demo_sites@', to: 'demo_meter_daily' },
        { from: 'demo_sites@2026-11-21', to: 'odd@key' },
      ]),
    ).toEqual([
      { from: 'demo_sites', to: 'demo_meter_daily' },
      { from: 'demo_sites', to: 'odd@key' },
    ]);
  });
});
