import { ProtocolError } from '../errors.ts';

/**
 * Bounds-checked reader over one request frame. Every read that would run past
 * the end throws ProtocolError, so hostile length fields cannot allocate or crash.
 *
 * Kafka primitives (https://kafka.apache.org/protocol#protocol_types):
 *   INT8/16/32/64 big-endian, UNSIGNED_VARINT (LEB128), VARINT/VARLONG (zig-zag),
 *   STRING = INT16 length + UTF-8, COMPACT_STRING = UNSIGNED_VARINT (length + 1) + UTF-8,
 *   BYTES = INT32 length, COMPACT_BYTES = UNSIGNED_VARINT (length + 1),
 *   ARRAY = INT32 count (-1 null), COMPACT_ARRAY = UNSIGNED_VARINT (count + 1) (0 null),
 *   TAGGED_FIELDS = UNSIGNED_VARINT count, then (UNSIGNED_VARINT tag, UNSIGNED_VARINT size, bytes)*.
 */
export class Reader {
  offset: number;
  constructor(
    readonly buf: Buffer,
    offset = 0,
    readonly end = buf.length,
  ) {
    this.offset = offset;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  private need(n: number, what: string): void {
    if (n < 0 || this.offset + n > this.end) {
      throw new ProtocolError(`${what}: needs ${n} bytes at offset ${this.offset}, ${this.remaining} left`);
    }
  }

  int8(): number {
    this.need(1, 'int8');
    return this.buf.readInt8(this.offset++);
  }
  uint8(): number {
    this.need(1, 'uint8');
    return this.buf[this.offset++]!;
  }
  int16(): number {
    this.need(2, 'int16');
    const v = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }
  uint16(): number {
    this.need(2, 'uint16');
    const v = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }
  int32(): number {
    this.need(4, 'int32');
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  uint32(): number {
    this.need(4, 'uint32');
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  /** INT64 as a JS number: offsets, timestamps and producer ids all stay below 2^53 in practice. */
  int64(): number {
    this.need(8, 'int64');
    const v = this.buf.readBigInt64BE(this.offset);
    this.offset += 8;
    return Number(v);
  }
  float64(): number {
    this.need(8, 'float64');
    const v = this.buf.readDoubleBE(this.offset);
    this.offset += 8;
    return v;
  }
  bool(): boolean {
    return this.int8() !== 0;
  }

  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.uint8();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
    throw new ProtocolError('unsigned varint longer than 5 bytes');
  }
  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }
  varlong(): number {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.uint8();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return Number((result >> 1n) ^ -(result & 1n));
      shift += 7n;
    }
    throw new ProtocolError('varlong longer than 10 bytes');
  }

  raw(n: number, what = 'bytes'): Buffer {
    this.need(n, what);
    const v = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }
  private text(n: number): string {
    this.need(n, 'string');
    const v = this.buf.toString('utf8', this.offset, this.offset + n);
    this.offset += n;
    return v;
  }

  nullableString(): string | null {
    const n = this.int16();
    if (n === -1) return null;
    if (n < 0) throw new ProtocolError(`string length ${n}`);
    return this.text(n);
  }
  string(): string {
    const v = this.nullableString();
    if (v === null) throw new ProtocolError('null where a string is required');
    return v;
  }
  compactNullableString(): string | null {
    const n = this.uvarint();
    return n === 0 ? null : this.text(n - 1);
  }
  compactString(): string {
    const v = this.compactNullableString();
    if (v === null) throw new ProtocolError('null where a compact string is required');
    return v;
  }
  nullableBytes(): Buffer | null {
    const n = this.int32();
    if (n === -1) return null;
    if (n < 0) throw new ProtocolError(`bytes length ${n}`);
    return this.raw(n);
  }
  compactNullableBytes(): Buffer | null {
    const n = this.uvarint();
    return n === 0 ? null : this.raw(n - 1);
  }
  /** Array count, checked against what is left so a huge count cannot drive allocation. */
  arrayLength(compact: boolean, minElementSize = 1): number {
    const n = compact ? this.uvarint() - 1 : this.int32();
    if (n < -1) throw new ProtocolError(`array length ${n}`);
    if (n > 0 && n * minElementSize > this.remaining) {
      throw new ProtocolError(`array of ${n} elements cannot fit in ${this.remaining} bytes`);
    }
    return n;
  }
  uuid(): Buffer {
    return Buffer.from(this.raw(16, 'uuid'));
  }
  /** Skips TAGGED_FIELDS (none are interpreted by this broker). */
  taggedFields(): void {
    const count = this.uvarint();
    for (let i = 0; i < count; i++) {
      this.uvarint();
      const size = this.uvarint();
      this.raw(size, 'tagged field');
    }
  }
}
