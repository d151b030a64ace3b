import { ID_PATTERN } from '@ysh/common';
import { JobsError } from '../errors.ts';
import { LAYERS, type AnyAsset } from './asset.ts';

const KEY = new RegExp(ID_PATTERN);

/**
 * The validated asset graph. Validation happens once at load and reports every
 * problem in one error naming the assets: unknown dependencies, duplicate keys,
 * cycles, and keys that are not ids.
 */
export class AssetGraph {
  private readonly byKey = new Map<string, AnyAsset>();
  private readonly children = new Map<string, string[]>();
  /** Every key in dependency order (upstream first), ties by key. */
  readonly order: readonly string[];

  constructor(assets: readonly AnyAsset[]) {
    const problems: string[] = [];
    for (const a of assets) {
      if (!KEY.test(a.key)) problems.push(`asset key "${a.key}" is not an id (${ID_PATTERN})`);
      if (!(LAYERS as readonly string[]).includes(a.layer))
        problems.push(`asset ${a.key}: layer "${a.layer}" is not one of ${LAYERS.join(', ')}`);
      if (this.byKey.has(a.key)) problems.push(`duplicate asset key ${a.key}`);
      this.byKey.set(a.key, a);
    }
    for (const a of assets) {
      for (const d of a.deps) {
        if (!this.byKey.has(d)) problems.push(`asset ${a.key} depends on unknown asset ${d}`);
        else if (d === a.key) problems.push(`asset ${a.key} depends on itself`);
      }
    }
    if (problems.length === 0) {
      for (const a of this.byKey.values())
        for (const d of a.deps) this.children.set(d, [...(this.children.get(d) ?? []), a.key]);
      const cycle = this.findCycle();
      if (cycle) problems.push(`dependency cycle: ${cycle.join(' -> ')}`);
    }
    if (problems.length > 0) throw new JobsError('JOBS_GRAPH_INVALID', `invalid asset graph: ${problems.join('; ')}`);
    this.order = this.topoSort([...this.byKey.keys()]);
  }

  get size(): number {
    return this.byKey.size;
  }

  assets(): AnyAsset[] {
    return this.order.map((k) => this.byKey.get(k) as AnyAsset);
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  get(key: string): AnyAsset {
    const a = this.byKey.get(key);
    if (!a)
      throw new JobsError('JOBS_ASSET_UNKNOWN', `no asset ${key} (known: ${[...this.byKey.keys()].sort().join(', ')})`);
    return a;
  }

  directDownstream(key: string): string[] {
    return [...(this.children.get(key) ?? [])].sort();
  }

  /** Every asset `key` depends on, transitively (not including it). */
  upstreamOf(key: string): Set<string> {
    return this.walk(key, (k) => this.get(k).deps);
  }

  /** Every asset depending on `key`, transitively (not including it). */
  downstreamOf(key: string): Set<string> {
    return this.walk(key, (k) => this.children.get(k) ?? []);
  }

  /** `keys` in dependency order. */
  topoSort(keys: Iterable<string>): string[] {
    const wanted = new Set(keys);
    const done = new Set<string>();
    const out: string[] = [];
    const visit = (k: string) => {
      if (done.has(k)) return;
      done.add(k);
      for (const d of [...this.get(k).deps].sort()) visit(d);
      if (wanted.has(k)) out.push(k);
    };
    for (const k of [...wanted].sort()) visit(k);
    return out;
  }

  private walk(start: string, next: (k: string) => readonly string[]): Set<string> {
    this.get(start);
    const seen = new Set<string>();
    const stack = [...next(start)];
    while (stack.length > 0) {
      const k = stack.pop() as string;
      if (seen.has(k)) continue;
      seen.add(k);
      stack.push(...next(k));
    }
    return seen;
  }

  private findCycle(): string[] | undefined {
    const state = new Map<string, 'visiting' | 'done'>();
    const path: string[] = [];
    const visit = (k: string): string[] | undefined => {
      const s = state.get(k);
      if (s === 'done') return undefined;
      if (s === 'visiting') return [...path.slice(path.indexOf(k)), k];
      state.set(k, 'visiting');
      path.push(k);
      for (const d of [...(this.byKey.get(k)?.deps ?? [])].sort()) {
        const c = visit(d);
        if (c) return c;
      }
      path.pop();
      state.set(k, 'done');
      return undefined;
    };
    for (const k of [...this.byKey.keys()].sort()) {
      const c = visit(k);
      if (c) return c.reverse();
    }
    return undefined;
  }
}
