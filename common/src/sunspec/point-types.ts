import type { PointType } from './model-def.ts';

/**
 * Raw register encoding of each SunSpec point type (big-endian registers,
 * high word first) and its "not implemented" sentinel. A sentinel decodes
 * as `undefined`, never as a number.
 *
 * Sentinels (SunSpec Information Model Specification): int16/sunssf 0x8000,
 * uint16/raw16/enum16/bitfield16 0xFFFF, acc16/acc32/acc64/ipaddr/ipv6addr/eui48 0,
 * int32 0x80000000, uint32/enum32/bitfield32 0xFFFFFFFF, int64 0x8000…,
 * uint64/bitfield64 0xFFFF…, float32/float64 NaN, string all zero bytes.
 * `count` has no sentinel (0 means no repetitions); `pad` is always missing.
 */
export type PointValue = number | string | undefined;

/** Registers used by a type when the definition gives no size (strings always give one). */
export const TYPE_SIZES: Readonly<Record<PointType, number>> = {
  int16: 1,
  uint16: 1,
  raw16: 1,
  acc16: 1,
  enum16: 1,
  bitfield16: 1,
  sunssf: 1,
  count: 1,
  pad: 1,
  int32: 2,
  uint32: 2,
  acc32: 2,
  enum32: 2,
  bitfield32: 2,
  float32: 2,
  ipaddr: 2,
  int64: 4,
  uint64: 4,
  acc64: 4,
  bitfield64: 4,
  float64: 4,
  eui48: 4,
  ipv6addr: 8,
  string: 1,
};

/** Point types whose value is a number that a scale factor applies to. */
export const SCALABLE_TYPES: ReadonlySet<PointType> = new Set([
  'int16',
  'uint16',
  'acc16',
  'int32',
  'uint32',
  'acc32',
  'int64',
  'uint64',
  'acc64',
]);

function readBig(regs: ArrayLike<number>, at: number, size: number): bigint {
  let v = 0n;
  for (let i = 0; i < size; i++) v = (v << 16n) | BigInt((regs[at + i] ?? 0) & 0xffff);
  return v;
}

function writeBig(out: Uint16Array, at: number, size: number, value: bigint): void {
  let v = value;
  for (let i = size - 1; i >= 0; i--) {
    out[at + i] = Number(v & 0xffffn);
    v >>= 16n;
  }
}

function u16(regs: ArrayLike<number>, at: number): number {
  return (regs[at] ?? 0) & 0xffff;
}

function u32(regs: ArrayLike<number>, at: number): number {
  return u16(regs, at) * 0x10000 + u16(regs, at + 1);
}

const NOT_IMPLEMENTED = undefined;

/**
 * Decodes the raw (unscaled) value of one point starting at `at`. Never throws:
 * registers past the end of `regs` read as 0, odd values decode as missing.
 */
export function decodeRaw(type: PointType, size: number, regs: ArrayLike<number>, at: number): PointValue {
  switch (type) {
    case 'int16': {
      const v = u16(regs, at);
      return v === 0x8000 ? NOT_IMPLEMENTED : v >= 0x8000 ? v - 0x10000 : v;
    }
    case 'sunssf': {
      const v = u16(regs, at);
      if (v === 0x8000) return NOT_IMPLEMENTED;
      const sf = v >= 0x8000 ? v - 0x10000 : v;
      // Scale factors are defined for -10..10; anything else is a broken device.
      return sf < -10 || sf > 10 ? NOT_IMPLEMENTED : sf;
    }
    case 'uint16':
    case 'raw16':
    case 'enum16':
    case 'bitfield16': {
      const v = u16(regs, at);
      return v === 0xffff ? NOT_IMPLEMENTED : v;
    }
    case 'acc16': {
      const v = u16(regs, at);
      return v === 0 ? NOT_IMPLEMENTED : v;
    }
    case 'count':
      return u16(regs, at);
    case 'pad':
      return NOT_IMPLEMENTED;
    case 'int32': {
      const v = u32(regs, at);
      return v === 0x80000000 ? NOT_IMPLEMENTED : v >= 0x80000000 ? v - 0x100000000 : v;
    }
    case 'uint32':
    case 'enum32':
    case 'bitfield32': {
      const v = u32(regs, at);
      return v === 0xffffffff ? NOT_IMPLEMENTED : v;
    }
    case 'acc32': {
      const v = u32(regs, at);
      return v === 0 ? NOT_IMPLEMENTED : v;
    }
    case 'float32': {
      const buf = Buffer.alloc(4);
      buf.writeUInt16BE(u16(regs, at), 0);
      buf.writeUInt16BE(u16(regs, at + 1), 2);
      const f = buf.readFloatBE(0);
      return Number.isFinite(f) ? f : NOT_IMPLEMENTED;
    }
    case 'float64': {
      const buf = Buffer.alloc(8);
      for (let i = 0; i < 4; i++) buf.writeUInt16BE(u16(regs, at + i), i * 2);
      const f = buf.readDoubleBE(0);
      return Number.isFinite(f) ? f : NOT_IMPLEMENTED;
    }
    case 'int64': {
      const v = BigInt.asIntN(64, readBig(regs, at, 4));
      return v === -(1n << 63n) ? NOT_IMPLEMENTED : Number(v);
    }
    case 'uint64':
    case 'bitfield64': {
      const v = readBig(regs, at, 4);
      return v === 0xffffffffffffffffn ? NOT_IMPLEMENTED : Number(v);
    }
    case 'acc64': {
      const v = readBig(regs, at, 4);
      return v === 0n ? NOT_IMPLEMENTED : Number(v);
    }
    case 'ipaddr': {
      const v = u32(regs, at);
      return v === 0 ? NOT_IMPLEMENTED : [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff].join('.');
    }
    case 'ipv6addr':
    case 'eui48': {
      const words: number[] = [];
      for (let i = 0; i < size; i++) words.push(u16(regs, at + i));
      if (words.every((w) => w === 0)) return NOT_IMPLEMENTED;
      if (type === 'ipv6addr') return words.map((w) => w.toString(16)).join(':');
      // EUI-48 occupies the low 48 bits of four registers.
      return words
        .slice(1)
        .flatMap((w) => [w >> 8, w & 0xff])
        .map((b) => b.toString(16).padStart(2, '0'))
        .join(':');
    }
    case 'string': {
      const bytes = Buffer.alloc(size * 2);
      for (let i = 0; i < size; i++) bytes.writeUInt16BE(u16(regs, at + i), i * 2);
      const end = bytes.indexOf(0);
      const text = bytes.subarray(0, end === -1 ? bytes.length : end).toString('latin1');
      const trimmed = text.replace(/\s+$/, '');
      return trimmed === '' ? NOT_IMPLEMENTED : trimmed;
    }
    default:
      return NOT_IMPLEMENTED;
  }
}

/** Sentinel registers of a type (what a device puts in a point it does not implement). */
export function sentinel(type: PointType, size: number): number[] {
  switch (type) {
    case 'int16':
    case 'sunssf':
    case 'pad':
      return [0x8000];
    case 'uint16':
    case 'raw16':
    case 'enum16':
    case 'bitfield16':
      return [0xffff];
    case 'int32':
      return [0x8000, 0];
    case 'uint32':
    case 'enum32':
    case 'bitfield32':
      return [0xffff, 0xffff];
    case 'float32':
      return [0x7fc0, 0];
    case 'float64':
      return [0x7ff8, 0, 0, 0];
    case 'int64':
      return [0x8000, 0, 0, 0];
    case 'uint64':
    case 'bitfield64':
      return [0xffff, 0xffff, 0xffff, 0xffff];
    default:
      return new Array<number>(size).fill(0);
  }
}

const INT_RANGES: Partial<Record<PointType, readonly [number, number]>> = {
  int16: [-0x7fff, 0x7fff],
  sunssf: [-10, 10],
  uint16: [0, 0xfffe],
  raw16: [0, 0xfffe],
  enum16: [0, 0xfffe],
  bitfield16: [0, 0xfffe],
  acc16: [1, 0xffff],
  count: [0, 0xffff],
  int32: [-0x7fffffff, 0x7fffffff],
  uint32: [0, 0xfffffffe],
  enum32: [0, 0xfffffffe],
  bitfield32: [0, 0xfffffffe],
  acc32: [1, 0xffffffff],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint64: [0, Number.MAX_SAFE_INTEGER],
  bitfield64: [0, Number.MAX_SAFE_INTEGER],
  acc64: [1, Number.MAX_SAFE_INTEGER],
};

/** The range of raw values a type can carry without colliding with its sentinel. */
export function rawRange(type: PointType): readonly [number, number] | undefined {
  return INT_RANGES[type];
}

/**
 * Writes the raw value of one point into `out` at `at`. `undefined` writes the
 * sentinel. Returns an error text (naming nothing; the caller adds the point)
 * when the value does not fit the type.
 */
export function encodeRaw(
  type: PointType,
  size: number,
  value: PointValue,
  out: Uint16Array,
  at: number,
): string | undefined {
  if (value === undefined || type === 'pad') {
    out.set(sentinel(type, size), at);
    return undefined;
  }
  if (type === 'string') {
    if (typeof value !== 'string') return `expected a string, got ${typeof value}`;
    const bytes = Buffer.from(value, 'latin1');
    if (bytes.length > size * 2) return `string longer than ${size * 2} bytes`;
    const padded = Buffer.alloc(size * 2);
    bytes.copy(padded);
    for (let i = 0; i < size; i++) out[at + i] = padded.readUInt16BE(i * 2);
    return undefined;
  }
  if (type === 'ipaddr' || type === 'ipv6addr' || type === 'eui48') {
    if (typeof value !== 'string') return `expected an address string, got ${typeof value}`;
    const words = addressWords(type, value);
    if (!words) return `malformed ${type} ${JSON.stringify(value)}`;
    out.set(words, at);
    return undefined;
  }
  if (typeof value !== 'number' || Number.isNaN(value)) return `expected a number, got ${String(value)}`;
  if (type === 'float32' || type === 'float64') {
    const buf = Buffer.alloc(size * 2);
    if (type === 'float32') buf.writeFloatBE(value, 0);
    else buf.writeDoubleBE(value, 0);
    for (let i = 0; i < size; i++) out[at + i] = buf.readUInt16BE(i * 2);
    return undefined;
  }
  const range = INT_RANGES[type];
  if (!range) return `unsupported type ${type}`;
  if (!Number.isInteger(value) || value < range[0] || value > range[1]) {
    return `raw value ${value} outside ${type} range ${range[0]}..${range[1]}`;
  }
  writeBig(out, at, size, BigInt.asUintN(size * 16, BigInt(value)));
  return undefined;
}

function addressWords(type: 'ipaddr' | 'ipv6addr' | 'eui48', text: string): number[] | undefined {
  if (type === 'ipaddr') {
    const parts = text.split('.').map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
    const [a, b, c, d] = parts as [number, number, number, number];
    return [(a << 8) | b, (c << 8) | d];
  }
  if (type === 'ipv6addr') {
    const parts = text.split(':').map((p) => Number.parseInt(p, 16));
    if (parts.length !== 8 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 0xffff)) return undefined;
    return parts;
  }
  const bytes = text.split(':').map((p) => Number.parseInt(p, 16));
  if (bytes.length !== 6 || bytes.some((b) => !Number.isInteger(b) || b < 0 || b > 255)) return undefined;
  const b = bytes as [number, number, number, number, number, number];
  return [0, (b[0] << 8) | b[1], (b[2] << 8) | b[3], (b[4] << 8) | b[5]];
}
