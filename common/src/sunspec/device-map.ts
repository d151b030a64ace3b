import { decodeModel, encodeModel, type DecodedModel, type ModelValues } from './codec.ts';
import { END_MODEL_ID, SUNS_MARKER } from './model-def.ts';

export interface ModelBlock {
  id: number;
  values: ModelValues;
}

/** One model found while walking the chain; `offset` is its ID register, relative to the `SunS` marker. */
export interface ChainEntry {
  id: number;
  offset: number;
  /** `L`: registers after the 2-register header. */
  length: number;
}

export function isSunSMarker(regs: ArrayLike<number>, at = 0): boolean {
  return regs[at] === SUNS_MARKER[0] && regs[at + 1] === SUNS_MARKER[1];
}

/** Encodes a whole register map: `SunS`, each model in order, then the end marker (0xFFFF, 0). */
export function buildDeviceMap(models: readonly (ModelBlock | Uint16Array)[]): Uint16Array {
  const blocks = models.map((m) => (m instanceof Uint16Array ? m : encodeModel(m.id, m.values)));
  const total = 2 + blocks.reduce((n, b) => n + b.length, 0) + 2;
  const out = new Uint16Array(total);
  out.set(SUNS_MARKER, 0);
  let at = 2;
  for (const b of blocks) {
    out.set(b, at);
    at += b.length;
  }
  out.set([END_MODEL_ID, 0], at);
  return out;
}

/**
 * Walks the model chain of registers that start at the `SunS` marker.
 * `complete` is true when the end marker was reached inside `regs`; a walk that
 * runs out of registers stops with `next` = the offset to read next.
 */
export function parseModelChain(regs: ArrayLike<number>): { entries: ChainEntry[]; complete: boolean; next: number } {
  const entries: ChainEntry[] = [];
  if (!isSunSMarker(regs)) return { entries, complete: false, next: 0 };
  let at = 2;
  while (at + 1 < regs.length) {
    const id = (regs[at] ?? 0) & 0xffff;
    const length = (regs[at + 1] ?? 0) & 0xffff;
    if (id === END_MODEL_ID) return { entries, complete: true, next: at };
    entries.push({ id, offset: at, length });
    at += 2 + length;
  }
  return { entries, complete: false, next: at };
}

/** Decodes every known model of a full register map (from `SunS`); unknown models are listed, not decoded. */
export function decodeDeviceMap(regs: ArrayLike<number>): {
  models: DecodedModel[];
  unknown: ChainEntry[];
  complete: boolean;
} {
  const { entries, complete } = parseModelChain(regs);
  const models: DecodedModel[] = [];
  const unknown: ChainEntry[] = [];
  for (const e of entries) {
    const r = decodeModel(regs, e.offset);
    if (r.ok) models.push(r.model);
    else unknown.push(e);
  }
  return { models, unknown, complete };
}
