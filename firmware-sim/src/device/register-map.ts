import {
  buildDeviceMap,
  encodeRaw,
  flattenLayout,
  getModelDef,
  layoutModel,
  rawRange,
  removeScale,
  SCALABLE_TYPES,
  type ModelValues,
  type PointType,
  type PointValue,
} from '@ysh/common/sunspec';

interface Slot {
  offset: number;
  type: PointType;
  size: number;
  sf: number | undefined;
}

export interface ModelPlacement {
  id: number;
  /** Offset of the model's ID register from the `SunS` marker. */
  offset: number;
  length: number;
}

/**
 * A device's SunSpec register map (from the `SunS` marker to the end marker)
 * with an index of every point, so each simulation step writes only the points
 * that change instead of re-encoding whole models.
 */
export class RegisterMap {
  readonly regs: Uint16Array;
  readonly models: ModelPlacement[] = [];
  private readonly slots = new Map<string, Slot>();

  constructor(blocks: { id: number; values: ModelValues }[]) {
    this.regs = buildDeviceMap(blocks);
    let at = 2;
    for (const block of blocks) {
      const def = getModelDef(block.id);
      if (!def) throw new Error(`no definition for model ${block.id}`);
      const length = (this.regs[at + 1] ?? 0) + 2;
      this.models.push({ id: block.id, offset: at, length });
      const layout = layoutModel(def, length, (o) => this.regs[at + o]);
      for (const p of flattenLayout(layout)) {
        const sfName = p.def.sf;
        const sfValue = typeof sfName === 'number' ? sfName : sfName === undefined ? undefined : block.values[sfName];
        this.slots.set(`${block.id}.${p.path}`, {
          offset: at + p.offset,
          type: p.def.type,
          size: p.size,
          sf: SCALABLE_TYPES.has(p.def.type) && typeof sfValue === 'number' ? sfValue : undefined,
        });
      }
      at += length;
    }
  }

  /** Writes a point in engineering units; numbers are scaled, rounded and clamped to the type's range. */
  set(path: string, value: PointValue): void {
    const slot = this.slots.get(path);
    if (!slot) throw new Error(`no point ${path} in this register map`);
    let raw = value;
    if (typeof value === 'number') {
      raw = slot.sf === undefined ? Math.round(value) : removeScale(value, slot.sf);
      const range = rawRange(slot.type);
      // An accumulator at 0 is written as 0, which SunSpec reads as "not implemented".
      if (slot.type.startsWith('acc') && raw <= 0) raw = undefined;
      else if (range) raw = Math.min(range[1], Math.max(range[0], raw));
    }
    const error = encodeRaw(slot.type, slot.size, raw, this.regs, slot.offset);
    if (error) throw new Error(`${path}: ${error}`);
  }

  /** Quantizes a value the way the register at `path` stores it (what a reader decodes). */
  quantize(path: string, value: number): number {
    const slot = this.slots.get(path);
    if (!slot || slot.sf === undefined) return Math.round(value);
    const raw = removeScale(value, slot.sf);
    const range = rawRange(slot.type);
    const clamped = range ? Math.min(range[1], Math.max(range[0], raw)) : raw;
    return slot.sf < 0 ? clamped / 10 ** -slot.sf : clamped * 10 ** slot.sf;
  }

  has(path: string): boolean {
    return this.slots.has(path);
  }
}
