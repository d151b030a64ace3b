import type { GroupDef, ModelDef, PointDef } from './model-def.ts';
import { TYPE_SIZES } from './point-types.ts';

/** One point placed at its register offset (from the model's ID register). */
export interface PointLayout {
  /** Dotted path, e.g. `W` or `module[1].DCW` (instances counted from 0). */
  path: string;
  def: PointDef;
  offset: number;
  size: number;
}

export interface GroupLayout {
  def: GroupDef;
  offset: number;
  length: number;
  points: PointLayout[];
  /** Child groups by name, one layout per repetition. */
  groups: Map<string, GroupLayout[]>;
}

export function pointSize(def: PointDef): number {
  return def.size > 0 ? def.size : TYPE_SIZES[def.type];
}

/** Registers of one repetition of a group whose nested groups have fixed counts. */
export function staticGroupLength(group: GroupDef): number {
  let n = 0;
  for (const p of group.points ?? []) n += pointSize(p);
  for (const g of group.groups ?? []) {
    const count = typeof g.count === 'number' ? g.count : 1;
    n += Math.max(count, 0) * staticGroupLength(g);
  }
  return n;
}

/**
 * Decides how many times a child group repeats. `countPoint` is called with the
 * name of a `count` point when the definition refers to one; `remaining` is what
 * is left of the model length after the fixed points (for count 0 = fill).
 */
export type RepeatResolver = (
  group: GroupDef,
  remaining: number,
  countPoint: (name: string) => number | undefined,
) => number;

const MAX_REPEATS = 4096;

export const resolveRepeatsFromLength: RepeatResolver = (group, remaining, countPoint) => {
  const unit = staticGroupLength(group);
  if (unit <= 0) return 0;
  const fits = Math.max(0, Math.floor(remaining / unit));
  if (typeof group.count === 'string') return Math.min(countPoint(group.count) ?? fits, fits, MAX_REPEATS);
  if (group.count === undefined) return Math.min(1, fits);
  if (group.count === 0) return Math.min(fits, MAX_REPEATS);
  return Math.min(group.count, fits);
};

/**
 * Computes point offsets for a model from point order and size. `totalLength`
 * is ID + L + body (L + 2); `countOf` reads `count` points (e.g. model 160 `N`)
 * from the device's registers when the layout depends on them.
 */
export function layoutModel(
  model: ModelDef,
  totalLength: number,
  countOf: (offset: number) => number | undefined = () => undefined,
  resolve: RepeatResolver = resolveRepeatsFromLength,
): GroupLayout {
  const walk = (group: GroupDef, offset: number, prefix: string, end: number): GroupLayout => {
    const layout: GroupLayout = { def: group, offset, length: 0, points: [], groups: new Map() };
    let at = offset;
    const countOffsets = new Map<string, number>();
    for (const p of group.points ?? []) {
      const size = pointSize(p);
      layout.points.push({ path: prefix + p.name, def: p, offset: at, size });
      if (p.type === 'count') countOffsets.set(p.name, at);
      at += size;
    }
    // A repeating group (count 0) next to a `count` point is counted by it (model 160 `N`), within `L`.
    const implicitCount = (group.points ?? []).find((p) => p.type === 'count')?.name;
    for (const g of group.groups ?? []) {
      const countPoint = (name: string): number | undefined => {
        const o = countOffsets.get(name);
        return o === undefined ? undefined : countOf(o);
      };
      const counted = g.count === 0 && implicitCount !== undefined ? { ...g, count: implicitCount } : g;
      const reps = resolve(counted, end - at, countPoint);
      const instances: GroupLayout[] = [];
      for (let i = 0; i < reps; i++) {
        const child = walk(g, at, `${prefix}${g.name}[${i}].`, end);
        instances.push(child);
        at += child.length;
      }
      layout.groups.set(g.name, instances);
    }
    layout.length = at - offset;
    return layout;
  };
  return walk(model.group, 0, '', totalLength);
}

/** Every point of a layout in register order. */
export function flattenLayout(layout: GroupLayout): PointLayout[] {
  const out = [...layout.points];
  for (const instances of layout.groups.values()) for (const g of instances) out.push(...flattenLayout(g));
  return out.sort((a, b) => a.offset - b.offset);
}
