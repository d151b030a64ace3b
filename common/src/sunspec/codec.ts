import { SunSpecEncodeError } from './errors.ts';
import { layoutModel, pointSize, type GroupLayout } from './layout.ts';
import { getModelDef, type GroupDef, type ModelDef, type PointDef } from './model-def.ts';
import { decodeRaw, encodeRaw, SCALABLE_TYPES, type PointValue } from './point-types.ts';

/**
 * Values of one SunSpec group in engineering units (scale factors applied):
 * points by name, repeating child groups as arrays (model 160 `module`).
 * Missing (not implemented) points are `undefined`.
 */
export interface ModelValues {
  [name: string]: PointValue | ModelValues[];
}

export interface DecodedModel {
  id: number;
  /** `L`: registers after the 2-register header. */
  length: number;
  values: ModelValues;
}

export type DecodeResult =
  | { ok: true; model: DecodedModel }
  | { ok: false; id: number | undefined; reason: 'short' | 'unknown-model' | 'truncated' };

/** value = raw × 10^sf, computed so that e.g. 2214 × 10^-1 is exactly 221.4. */
export function applyScale(raw: number, sf: number): number {
  return sf < 0 ? raw / 10 ** -sf : raw * 10 ** sf;
}

/** raw = round(value ÷ 10^sf). */
export function removeScale(value: number, sf: number): number {
  return Math.round(sf < 0 ? value * 10 ** -sf : value / 10 ** sf);
}

function lookupSf(sf: number | string | undefined, scopes: readonly ModelValues[]): number | undefined {
  if (typeof sf === 'number') return sf;
  if (sf === undefined) return 0;
  for (let i = scopes.length - 1; i >= 0; i--) {
    const v = scopes[i]?.[sf];
    if (v !== undefined && !Array.isArray(v)) return typeof v === 'number' ? v : undefined;
  }
  return undefined;
}

/**
 * Decodes one model block starting at `start` (its ID register). Never throws:
 * arbitrary registers give `{ ok: false }` or values with missing points.
 */
export function decodeModel(regs: ArrayLike<number>, start = 0): DecodeResult {
  if (regs.length - start < 2 || start < 0) return { ok: false, id: undefined, reason: 'short' };
  const id = (regs[start] ?? 0) & 0xffff;
  const length = (regs[start + 1] ?? 0) & 0xffff;
  const def = getModelDef(id);
  if (!def) return { ok: false, id, reason: 'unknown-model' };
  if (regs.length - start < length + 2) return { ok: false, id, reason: 'truncated' };
  const layout =
    cachedLayout(def, length + 2) ??
    layoutModel(def, length + 2, (offset) => decodeRaw('count', 1, regs, start + offset) as number);
  return { ok: true, model: { id, length, values: decodeGroup(layout, regs, start, []) } };
}

function usesCountPoints(group: GroupDef): boolean {
  const hasCountPoint = (group.points ?? []).some((p) => p.type === 'count');
  return (group.groups ?? []).some(
    (g) => typeof g.count === 'string' || (g.count === 0 && hasCountPoint) || usesCountPoints(g),
  );
}

const layoutCache = new Map<string, GroupLayout>();

/** Layouts that depend only on the model length (no group counted by a point) are computed once. */
function cachedLayout(def: ModelDef, total: number): GroupLayout | undefined {
  if (usesCountPoints(def.group)) return undefined;
  const key = `${def.id}:${total}`;
  let layout = layoutCache.get(key);
  if (!layout) {
    if (layoutCache.size > 1024) layoutCache.clear();
    layout = layoutModel(def, total);
    layoutCache.set(key, layout);
  }
  return layout;
}

function decodeGroup(layout: GroupLayout, regs: ArrayLike<number>, start: number, parents: ModelValues[]): ModelValues {
  const raw: ModelValues = {};
  for (const p of layout.points) raw[p.def.name] = decodeRaw(p.def.type, p.size, regs, start + p.offset);
  const scopes = [...parents, raw];
  const values: ModelValues = {};
  for (const p of layout.points) {
    const v = raw[p.def.name];
    if (p.def.sf !== undefined && SCALABLE_TYPES.has(p.def.type) && typeof v === 'number') {
      const sf = lookupSf(p.def.sf, scopes);
      values[p.def.name] = sf === undefined ? undefined : applyScale(v, sf);
    } else {
      values[p.def.name] = v as PointValue;
    }
  }
  for (const [name, instances] of layout.groups) {
    values[name] = instances.map((g) => decodeGroup(g, regs, start, scopes));
  }
  return values;
}

function childInstances(group: GroupDef, values: ModelValues): ModelValues[] {
  const v = values[group.name];
  if (Array.isArray(v)) return v;
  if (typeof group.count === 'number' && group.count > 0) return Array.from({ length: group.count }, () => ({}));
  if (group.count === undefined) return [{}];
  return [];
}

function encodedLength(group: GroupDef, values: ModelValues): number {
  let n = 0;
  for (const p of group.points ?? []) n += pointSize(p);
  for (const g of group.groups ?? []) for (const inst of childInstances(g, values)) n += encodedLength(g, inst);
  return n;
}

/**
 * Encodes a model (ID and L filled in; `count` points default to the number of
 * group instances given). Throws SunSpecEncodeError naming the point when a
 * value does not fit its type or its scale factor.
 */
export function encodeModel(id: number, values: ModelValues): Uint16Array {
  const def = getModelDef(id);
  if (!def) throw new SunSpecEncodeError(`model ${id}`, 'no bundled definition for this model id');
  return encodeWithDef(def, values);
}

export function encodeWithDef(def: ModelDef, values: ModelValues): Uint16Array {
  const total = encodedLength(def.group, values);
  const out = new Uint16Array(total);
  const write = (group: GroupDef, vals: ModelValues, at: number, parents: ModelValues[], prefix: string): number => {
    const scopes = [...parents, vals];
    // A `count` point left undefined says how many instances follow: of the group that
    // names it, or else of the first repeating child group (model 160 `N`).
    const counts = new Map<string, number>();
    const repeating = (group.groups ?? []).find((g) => g.count === 0);
    for (const p of group.points ?? []) {
      if (p.type === 'count' && repeating) counts.set(p.name, childInstances(repeating, vals).length);
    }
    for (const g of group.groups ?? []) {
      if (typeof g.count === 'string') counts.set(g.count, childInstances(g, vals).length);
    }
    let offset = at;
    for (const p of group.points ?? []) {
      const size = pointSize(p);
      const value = pointValue(def, p, vals, counts, total, at === 0 && parents.length === 0);
      const raw = toRaw(p, value, scopes, `${prefix}${p.name}`, def.id);
      const error = encodeRaw(p.type, size, raw, out, offset);
      if (error) throw new SunSpecEncodeError(`model ${def.id} point ${prefix}${p.name}`, error);
      offset += size;
    }
    for (const g of group.groups ?? []) {
      childInstances(g, vals).forEach((inst, i) => {
        offset = write(g, inst, offset, scopes, `${prefix}${g.name}[${i}].`);
      });
    }
    return offset;
  };
  write(def.group, values, 0, [], '');
  return out;
}

function pointValue(
  def: ModelDef,
  p: PointDef,
  vals: ModelValues,
  counts: Map<string, number>,
  total: number,
  topLevel: boolean,
): PointValue {
  if (topLevel && p.name === 'ID') return def.id;
  if (topLevel && p.name === 'L') return total - 2;
  const v = vals[p.name];
  if (Array.isArray(v)) return undefined;
  if (v === undefined && counts.has(p.name)) return counts.get(p.name);
  return v;
}

function toRaw(p: PointDef, value: PointValue, scopes: ModelValues[], path: string, modelId: number): PointValue {
  if (value === undefined || p.sf === undefined || !SCALABLE_TYPES.has(p.type)) return value;
  if (typeof value !== 'number') {
    throw new SunSpecEncodeError(`model ${modelId} point ${path}`, `expected a number, got ${typeof value}`);
  }
  const sf = lookupSf(p.sf, scopes);
  if (sf === undefined) return undefined;
  return removeScale(value, sf);
}
