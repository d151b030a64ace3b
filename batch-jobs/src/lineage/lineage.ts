import type { Queryable } from '@ysh/common/db';
import type { AssetGraph } from '../graph/asset-graph.ts';

export interface LineageNode {
  key: string;
  layer: string;
  children: LineageNode[];
}

export interface Lineage {
  asset: string;
  layer: string;
  upstream: LineageNode[];
  downstream: LineageNode[];
  /** What the latest good materialization read: upstream key -> data version and the run that made it. */
  lastRead: Record<string, { dataVersion: string; runId: string | null }>;
}

function tree(
  graph: AssetGraph,
  key: string,
  next: (k: string) => readonly string[],
  seen: Set<string>,
): LineageNode[] {
  return [...next(key)].sort().map((k) => ({
    key: k,
    layer: graph.get(k).layer,
    children: seen.has(k) ? [] : tree(graph, k, next, new Set([...seen, k])),
  }));
}

export async function lineageOf(db: Queryable, graph: AssetGraph, key: string): Promise<Lineage> {
  const asset = graph.get(key);
  const { rows } = await db.query<{ upstream: Record<string, { dataVersion: string; materializationId: string }> }>(
    `SELECT m.upstream FROM asset_latest l JOIN asset_materializations m ON m.id = l.materialization_id
     WHERE l.asset_key = $1 ORDER BY l.created_at DESC LIMIT 1`,
    [key],
  );
  const lastRead: Lineage['lastRead'] = {};
  for (const [dep, v] of Object.entries(rows[0]?.upstream ?? {})) {
    const ids = v.materializationId.split(',').filter((x) => /^\d+$/.test(x));
    const { rows: made } = await db.query<{ run_id: string }>(
      'SELECT run_id FROM asset_materializations WHERE id = $1',
      [ids[0] ?? '0'],
    );
    lastRead[dep] = { dataVersion: v.dataVersion, runId: ids.length === 1 ? (made[0]?.run_id ?? null) : null };
  }
  return {
    asset: key,
    layer: asset.layer,
    upstream: tree(graph, key, (k) => graph.get(k).deps, new Set([key])),
    downstream: tree(graph, key, (k) => graph.directDownstream(k), new Set([key])),
    lastRead,
  };
}

export function formatLineage(l: Lineage): string {
  const lines = [`${l.asset} (${l.layer})`, 'upstream:'];
  const walk = (nodes: LineageNode[], depth: number) => {
    for (const n of nodes) {
      const read = depth === 1 ? l.lastRead[n.key] : undefined;
      const extra = read
        ? `  last read ${read.dataVersion.slice(0, 8)}${read.runId ? ` from run ${read.runId}` : ''}`
        : '';
      lines.push(`${'  '.repeat(depth)}${depth === 1 ? '' : '└ '}${n.key} (${n.layer})${extra}`);
      walk(n.children, depth + 1);
    }
  };
  if (l.upstream.length === 0) lines.push('  (none: a source asset)');
  walk(l.upstream, 1);
  lines.push('downstream:');
  if (l.downstream.length === 0) lines.push('  (none)');
  walk(l.downstream, 1);
  return lines.join('\n');
}
