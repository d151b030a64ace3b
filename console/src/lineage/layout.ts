/**
 * Layered layout of the asset graph (the Sugiyama idea, kept small): each asset's rank is the
 * longest path from a source, so every edge points right; within a rank, nodes are ordered by
 * the mean position of their parents (a few sweeps), which keeps most edges from crossing.
 * Cycles cannot come from the engine (it refuses them), but a malformed answer must not hang the
 * page: a node on a cycle gets the rank it had when the cycle was found.
 */
export interface LayoutInput {
  nodes: Array<{ key: string }>;
  edges: Array<{ from: string; to: string }>;
}

export interface PlacedNode {
  key: string;
  rank: number;
  order: number;
  x: number;
  y: number;
}

export interface Layout {
  nodes: Map<string, PlacedNode>;
  edges: Array<{ from: string; to: string; path: string }>;
  width: number;
  height: number;
}

export interface LayoutOptions {
  nodeWidth: number;
  nodeHeight: number;
  rankGap: number;
  rowGap: number;
}

export const DEFAULT_LAYOUT: LayoutOptions = { nodeWidth: 180, nodeHeight: 44, rankGap: 70, rowGap: 18 };

export function layeredLayout(input: LayoutInput, opts: LayoutOptions = DEFAULT_LAYOUT): Layout {
  const keys = [...new Set(input.nodes.map((n) => n.key))];
  const known = new Set(keys);
  const edges = input.edges.filter((e) => known.has(e.from) && known.has(e.to) && e.from !== e.to);
  const parents = new Map<string, string[]>(keys.map((k) => [k, []]));
  for (const e of edges) parents.get(e.to)?.push(e.from);

  const rank = new Map<string, number>();
  const visiting = new Set<string>();
  const rankOf = (k: string): number => {
    const done = rank.get(k);
    if (done !== undefined) return done;
    if (visiting.has(k)) return 0;
    visiting.add(k);
    let r = 0;
    for (const p of parents.get(k) ?? []) r = Math.max(r, rankOf(p) + 1);
    visiting.delete(k);
    rank.set(k, r);
    return r;
  };
  for (const k of keys) rankOf(k);

  const ranks: string[][] = [];
  for (const k of keys) {
    const r = rank.get(k) as number;
    const layer = ranks[r] ?? [];
    layer.push(k);
    ranks[r] = layer;
  }
  for (const layer of ranks) layer?.sort();
  const position = new Map<string, number>();
  const index = () => {
    for (const layer of ranks) {
      if (!layer) continue;
      for (const [i, k] of layer.entries()) position.set(k, i);
    }
  };
  index();
  for (let sweep = 0; sweep < 4; sweep++) {
    for (const layer of ranks.slice(1)) {
      if (!layer) continue;
      const score = (k: string) => {
        const ps = parents.get(k) ?? [];
        return ps.length === 0
          ? (position.get(k) ?? 0)
          : ps.reduce((s, p) => s + (position.get(p) ?? 0), 0) / ps.length;
      };
      const scores = new Map(layer.map((k) => [k, score(k)]));
      layer.sort((a, b) => (scores.get(a) as number) - (scores.get(b) as number) || a.localeCompare(b));
      index();
    }
  }

  const tallest = Math.max(0, ...ranks.map((l) => l?.length ?? 0));
  const height = tallest * (opts.nodeHeight + opts.rowGap) - (tallest > 0 ? opts.rowGap : 0);
  const nodes = new Map<string, PlacedNode>();
  ranks.forEach((layer, r) => {
    if (!layer) return;
    const layerHeight = layer.length * (opts.nodeHeight + opts.rowGap) - opts.rowGap;
    const top = (height - layerHeight) / 2;
    layer.forEach((key, order) => {
      nodes.set(key, {
        key,
        rank: r,
        order,
        x: r * (opts.nodeWidth + opts.rankGap),
        y: top + order * (opts.nodeHeight + opts.rowGap),
      });
    });
  });
  const width = ranks.length * (opts.nodeWidth + opts.rankGap) - (ranks.length > 0 ? opts.rankGap : 0);
  const placedEdges = edges.map((e) => {
    const a = nodes.get(e.from) as PlacedNode;
    const b = nodes.get(e.to) as PlacedNode;
    const x1 = a.x + opts.nodeWidth;
    const y1 = a.y + opts.nodeHeight / 2;
    const x2 = b.x;
    const y2 = b.y + opts.nodeHeight / 2;
    const mid = (x1 + x2) / 2;
    return { ...e, path: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}` };
  });
  return { nodes, edges: placedEdges, width: Math.max(0, width), height: Math.max(0, height) };
}

/**
 * Edge ends as node keys: an end that names no node but carries a partition suffix
 * (`demo_sites@` or `demo_sites@2026-11-21`, how the engine's dependency rows read) is
 * taken as the asset before the `@`.
 */
export function edgesOnNodes<E extends { from: string; to: string }>(nodes: Array<{ key: string }>, edges: E[]): E[] {
  const keys = new Set(nodes.map((n) => n.key));
  const fix = (end: string) => (keys.has(end) || !end.includes('@') ? end : end.slice(0, end.indexOf('@')));
  return edges.map((e) => ({ ...e, from: fix(e.from), to: fix(e.to) }));
}
