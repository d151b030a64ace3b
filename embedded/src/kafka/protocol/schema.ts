import { ProtocolError } from '../errors.ts';
import type { Reader } from './reader.ts';
import type { Writer } from './writer.ts';

/**
 * A small declarative form of Kafka's message definitions (the JSON files under
 * clients/src/main/resources/common/message in Apache Kafka): each field says
 * from which versions it exists, and a message says from which version it is
 * "flexible" (compact strings/arrays/bytes and tagged fields after every struct).
 * One definition covers every version of an API; codecs are compiled per version.
 *
 * Why not one hand-written codec file per version: Kafka itself maintains its
 * protocol this way (one JSON spec per API, fields tagged with versions), so a
 * version bump is one annotated field instead of a copied file, a field can never
 * drift between versions, and flexible versions (compact encodings + tagged fields)
 * come from one switch rather than a second set of codecs. Each API file under
 * `apis/` still quotes the Kafka grammar of the versions it serves.
 */
export type Prim =
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'int64'
  | 'float64'
  | 'bool'
  | 'string'
  | 'nullableString'
  | 'bytes'
  | 'nullableBytes'
  | 'records'
  | 'uuid';

export interface StructType {
  kind: 'struct';
  fields: Field[];
}
export interface ArrayType {
  kind: 'array';
  of: FieldType;
  /** Whether -1 (null) is a legal count; for other arrays null is a protocol error. */
  nullable: boolean;
}
export type FieldType = Prim | StructType | ArrayType;

export interface Field {
  name: string;
  type: FieldType;
  min: number;
  max: number;
  /** Value a decoder reports when the field is absent from the version. */
  default?: unknown;
}

export interface MessageSchema {
  name: string;
  /** First flexible version (Infinity when the API has none we serve). */
  flexibleFrom: number;
  fields: Field[];
}

/** `versions` as in Kafka's JSON specs: "3+", "0-4", "5". */
export function f(name: string, type: FieldType, versions = '0+', defaultValue?: unknown): Field {
  const m = /^(\d+)(\+|-(\d+))?$/.exec(versions);
  if (!m) throw new Error(`bad versions ${versions} for ${name}`);
  const min = Number(m[1]);
  const max = m[2] === '+' ? Number.POSITIVE_INFINITY : m[3] !== undefined ? Number(m[3]) : min;
  return { name, type, min, max, default: defaultValue };
}
export const struct = (...fields: Field[]): StructType => ({ kind: 'struct', fields });
export const array = (of: FieldType): ArrayType => ({ kind: 'array', of, nullable: false });
export const arrayOf = (...fields: Field[]): ArrayType => array(struct(...fields));
export const nullableArrayOf = (...fields: Field[]): ArrayType => ({ ...array(struct(...fields)), nullable: true });

export function message(name: string, flexibleFrom: number, ...fields: Field[]): MessageSchema {
  return { name, flexibleFrom, fields };
}

// biome-ignore lint/suspicious/noExplicitAny: decoded messages are typed by the handler that reads them
export type Decoded = any;
type Dec = (r: Reader) => unknown;
type Enc = (w: Writer, v: unknown) => void;

function minSize(t: FieldType): number {
  if (typeof t !== 'string') return 1;
  switch (t) {
    case 'int8':
    case 'bool':
      return 1;
    case 'int16':
    case 'uint16':
    case 'string':
    case 'nullableString':
      return 2;
    case 'int32':
    case 'bytes':
    case 'nullableBytes':
    case 'records':
      return 4;
    case 'int64':
    case 'float64':
      return 8;
    case 'uuid':
      return 16;
  }
}

function defaultFor(t: FieldType): unknown {
  if (typeof t !== 'string') return t.kind === 'array' ? [] : {};
  switch (t) {
    case 'string':
      return '';
    case 'nullableString':
    case 'nullableBytes':
    case 'records':
      return null;
    case 'bool':
      return false;
    case 'bytes':
      return Buffer.alloc(0);
    case 'uuid':
      return Buffer.alloc(16);
    default:
      return 0;
  }
}

function primDecoder(t: Prim, flex: boolean): Dec {
  switch (t) {
    case 'int8':
      return (r) => r.int8();
    case 'int16':
      return (r) => r.int16();
    case 'uint16':
      return (r) => r.uint16();
    case 'int32':
      return (r) => r.int32();
    case 'int64':
      return (r) => r.int64();
    case 'float64':
      return (r) => r.float64();
    case 'bool':
      return (r) => r.bool();
    case 'string':
      return flex ? (r) => r.compactString() : (r) => r.string();
    case 'nullableString':
      return flex ? (r) => r.compactNullableString() : (r) => r.nullableString();
    case 'bytes':
      return flex ? (r) => r.compactNullableBytes() ?? Buffer.alloc(0) : (r) => r.nullableBytes() ?? Buffer.alloc(0);
    case 'nullableBytes':
    case 'records':
      return flex ? (r) => r.compactNullableBytes() : (r) => r.nullableBytes();
    case 'uuid':
      return (r) => r.uuid();
  }
}

function asNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v === undefined || v === null) return 0;
  return Number(v);
}

function primEncoder(t: Prim, flex: boolean): Enc {
  switch (t) {
    case 'int8':
      return (w, v) => w.int8(asNumber(v));
    case 'int16':
      return (w, v) => w.int16(asNumber(v));
    case 'uint16':
      return (w, v) => w.uint16(asNumber(v));
    case 'int32':
      return (w, v) => w.int32(asNumber(v));
    case 'int64':
      return (w, v) => w.int64(typeof v === 'bigint' ? v : asNumber(v));
    case 'float64':
      return (w, v) => w.float64(asNumber(v));
    case 'bool':
      return (w, v) => w.bool(Boolean(v));
    case 'string':
      return flex ? (w, v) => w.compactNullableString(String(v ?? '')) : (w, v) => w.nullableString(String(v ?? ''));
    case 'nullableString':
      return flex
        ? (w, v) => w.compactNullableString(v as string | null)
        : (w, v) => w.nullableString(v as string | null);
    case 'bytes':
      return flex
        ? (w, v) => w.compactNullableBytes((v as Buffer) ?? Buffer.alloc(0))
        : (w, v) => w.nullableBytes((v as Buffer) ?? Buffer.alloc(0));
    case 'nullableBytes':
      return flex
        ? (w, v) => w.compactNullableBytes(v as Buffer | null)
        : (w, v) => w.nullableBytes(v as Buffer | null);
    case 'records':
      return (w, v) => {
        if (v == null) w.bytesChunks(null, flex);
        else w.bytesChunks(Array.isArray(v) ? (v as Buffer[]) : [v as Buffer], flex);
      };
    case 'uuid':
      return (w, v) => w.raw((v as Buffer | undefined) ?? Buffer.alloc(16));
  }
}

function compileType(t: FieldType, version: number, flex: boolean): { dec: Dec; enc: Enc } {
  if (typeof t === 'string') return { dec: primDecoder(t, flex), enc: primEncoder(t, flex) };
  if (t.kind === 'array') {
    const inner = compileType(t.of, version, flex);
    const size = minSize(t.of);
    return {
      dec: (r) => {
        const n = r.arrayLength(flex, size);
        if (n === -1) {
          if (!t.nullable) throw new ProtocolError('null array where the schema does not allow one');
          return null;
        }
        const out = new Array(n);
        for (let i = 0; i < n; i++) out[i] = inner.dec(r);
        return out;
      },
      enc: (w, v) => {
        if (v == null) {
          // Absent arrays are written empty unless the schema allows null and null was given.
          w.arrayLength(t.nullable && v === null ? null : 0, flex);
          return;
        }
        const list = v as unknown[];
        w.arrayLength(list.length, flex);
        for (const item of list) inner.enc(w, item);
      },
    };
  }
  return compileStruct(t.fields, version, flex);
}

function compileStruct(fields: Field[], version: number, flex: boolean): { dec: Dec; enc: Enc } {
  const present: { name: string; dec: Dec; enc: Enc; fallback: unknown }[] = [];
  const absent: { name: string; value: () => unknown }[] = [];
  for (const field of fields) {
    if (version >= field.min && version <= field.max) {
      present.push({ name: field.name, fallback: field.default, ...compileType(field.type, version, flex) });
    } else {
      const d = field.default;
      absent.push({ name: field.name, value: () => (d !== undefined ? d : defaultFor(field.type)) });
    }
  }
  return {
    dec: (r) => {
      const obj: Record<string, unknown> = {};
      for (const p of present) obj[p.name] = p.dec(r);
      for (const a of absent) obj[a.name] = a.value();
      if (flex) r.taggedFields();
      return obj;
    },
    enc: (w, v) => {
      const obj = (v ?? {}) as Record<string, unknown>;
      for (const p of present) {
        const value = obj[p.name];
        p.enc(w, value === undefined ? p.fallback : value);
      }
      if (flex) w.emptyTaggedFields();
    },
  };
}

export interface Codec {
  decode(r: Reader): Decoded;
  encode(w: Writer, value: unknown): void;
}

const cache = new WeakMap<MessageSchema, Map<number, Codec>>();

/** The codec of one message at one version (compiled once, then cached). */
export function codecFor(schema: MessageSchema, version: number): Codec {
  let byVersion = cache.get(schema);
  if (!byVersion) {
    byVersion = new Map();
    cache.set(schema, byVersion);
  }
  let codec = byVersion.get(version);
  if (!codec) {
    const compiled = compileStruct(schema.fields, version, version >= schema.flexibleFrom);
    codec = {
      decode: (r) => {
        try {
          return compiled.dec(r);
        } catch (err) {
          if (err instanceof ProtocolError) throw new ProtocolError(`${schema.name} v${version}: ${err.message}`);
          throw err;
        }
      },
      encode: compiled.enc,
    };
    byVersion.set(version, codec);
  }
  return codec;
}

export function isFlexible(schema: MessageSchema, version: number): boolean {
  return version >= schema.flexibleFrom;
}
