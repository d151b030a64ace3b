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

export interface StructType<F extends readonly Field[] = readonly Field[]> {
  kind: 'struct';
  fields: F;
}
export interface ArrayType<T extends FieldType = FieldType, Nullable extends boolean = boolean> {
  kind: 'array';
  of: T;
  /** Whether -1 (null) is a legal count; for other arrays null is a protocol error. */
  nullable: Nullable;
}
export type FieldType = Prim | StructType | ArrayType;

export interface Field<N extends string = string, T extends FieldType = FieldType> {
  name: N;
  type: T;
  min: number;
  max: number;
  /** Value a decoder reports when the field is absent from the version. */
  default?: unknown;
}

export interface MessageSchema<F extends readonly Field[] = readonly Field[]> {
  name: string;
  /** First flexible version (Infinity when the API has none we serve). */
  flexibleFrom: number;
  fields: F;
}

/** `versions` as in Kafka's JSON specs: "3+", "0-4", "5". */
export function f<const N extends string, const T extends FieldType>(
  name: N,
  type: T,
  versions = '0+',
  defaultValue?: DecodedType<T>,
): Field<N, T> {
  const m = /^(\d+)(\+|-(\d+))?$/.exec(versions);
  if (!m) throw new Error(`bad versions ${versions} for ${name}`);
  const min = Number(m[1]);
  const max = m[2] === '+' ? Number.POSITIVE_INFINITY : m[3] !== undefined ? Number(m[3]) : min;
  return { name, type, min, max, default: defaultValue };
}
export const struct = <const F extends readonly Field[]>(...fields: F): StructType<F> => ({ kind: 'struct', fields });
export const array = <const T extends FieldType>(of: T): ArrayType<T, false> => ({
  kind: 'array',
  of,
  nullable: false,
});
export const arrayOf = <const F extends readonly Field[]>(...fields: F): ArrayType<StructType<F>, false> =>
  array(struct(...fields));
export const nullableArrayOf = <const F extends readonly Field[]>(...fields: F): ArrayType<StructType<F>, true> => ({
  kind: 'array',
  of: struct(...fields),
  nullable: true,
});

export function message<const F extends readonly Field[]>(
  name: string,
  flexibleFrom: number,
  ...fields: F
): MessageSchema<F> {
  return { name, flexibleFrom, fields };
}

/*
 * Message types derived from the schemas, so a handler reads only fields its API
 * declares and answers with every field its response declares, each of its type. Decoded
 * messages hold every field of the API whatever the version (absent ones carry
 * their default). What an encoder takes is as strict: every field is required,
 * because TypeScript does not flag unknown properties in the object a callback
 * returns, so a misspelt name is caught as the missing field it stands for.
 */

/** What the decoder gives for each primitive. */
interface PrimDecoded {
  int8: number;
  int16: number;
  uint16: number;
  int32: number;
  int64: number;
  float64: number;
  bool: boolean;
  string: string;
  nullableString: string | null;
  bytes: Buffer;
  nullableBytes: Buffer | null;
  records: Buffer | null;
  uuid: Buffer;
}

/** What the encoder takes for each primitive (int64 as a bigint too, records as chunks read from the log). */
interface PrimEncodable extends Omit<PrimDecoded, 'int64' | 'records'> {
  int64: number | bigint;
  records: Buffer | readonly Buffer[] | null;
}

/** A schema whose field names are not literal types (a message held as a plain MessageSchema). */
type Untyped<F extends readonly Field[]> = string extends F[number]['name'] ? true : false;

export type DecodedType<T extends FieldType> = T extends Prim
  ? PrimDecoded[T]
  : T extends StructType<infer F>
    ? DecodedFields<F>
    : T extends ArrayType<infer E, infer Nullable>
      ? DecodedType<E>[] | (true extends Nullable ? null : never)
      : never;

type DecodedFields<F extends readonly Field[]> =
  Untyped<F> extends true ? { [name: string]: unknown } : { [P in F[number] as P['name']]: DecodedType<P['type']> };

export type EncodableType<T extends FieldType> = T extends Prim
  ? PrimEncodable[T]
  : T extends StructType<infer F>
    ? EncodableFields<F>
    : T extends ArrayType<infer E, infer Nullable>
      ? readonly EncodableType<E>[] | (true extends Nullable ? null : never)
      : never;

type EncodableFields<F extends readonly Field[]> =
  Untyped<F> extends true
    ? { readonly [name: string]: unknown }
    : { readonly [P in F[number] as P['name']]: EncodableType<P['type']> };

/** A decoded message of this schema (every version's fields). */
export type Decoded<S extends MessageSchema> = DecodedFields<S['fields']>;
/** A message of this schema ready to encode. */
export type Encodable<S extends MessageSchema> = EncodableFields<S['fields']>;

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

function compileStruct(fields: readonly Field[], version: number, flex: boolean): { dec: Dec; enc: Enc } {
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

export interface Codec<D = unknown, E = unknown> {
  decode(r: Reader): D;
  encode(w: Writer, value: E): void;
}

const cache = new WeakMap<MessageSchema, Map<number, Codec>>();

/** The codec of one message at one version (compiled once, then cached). */
export function codecFor<S extends MessageSchema>(schema: S, version: number): Codec<Decoded<S>, Encodable<S>> {
  // The compiled codec walks the same field list the types are derived from, so its
  // output has the derived shape; the round-trip and golden tests check the walk.
  return compiledCodec(schema, version) as Codec<Decoded<S>, Encodable<S>>;
}

function compiledCodec(schema: MessageSchema, version: number): Codec {
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
