import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../errors.ts';
import { handlers } from '../handlers/index.ts';
import { crc32c } from './crc32c.ts';
import { Reader } from './reader.ts';
import { checkBatch } from './record-batch.ts';
import { decodeRecords, encodeBatch } from './records.ts';
import { codecFor } from './schema.ts';
import { Writer } from './writer.ts';

describe('primitives', () => {
  it('round-trips zig-zag varints and varlongs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        fc.bigInt({ min: -(2n ** 53n), max: 2n ** 53n }),
        (i, l) => {
          const buf = new Writer().varint(i).varlong(l).toBuffer();
          const r = new Reader(buf);
          expect(r.varint()).toBe(i);
          expect(r.varlong()).toBe(Number(l));
          expect(r.remaining).toBe(0);
        },
      ),
    );
  });

  it('encodes varints as the Kafka protocol guide shows', () => {
    expect(new Writer().varint(0).varint(-1).varint(1).varint(-64).varint(300).toBuffer().toString('hex')).toBe(
      '000102' + '7f' + 'd804',
    );
    expect(new Writer().uvarint(300).toBuffer().toString('hex')).toBe('ac02');
  });

  it('round-trips compact and classic strings and bytes, including null', () => {
    fc.assert(
      fc.property(
        fc.option(fc.string({ unit: 'grapheme', maxLength: 80 })),
        fc.option(fc.uint8Array({ maxLength: 80 })),
        (s, b) => {
          const buf = new Writer()
            .nullableString(s)
            .compactNullableString(s)
            .nullableBytes(b)
            .compactNullableBytes(b)
            .toBuffer();
          const r = new Reader(buf);
          expect(r.nullableString()).toEqual(s);
          expect(r.compactNullableString()).toEqual(s);
          expect(r.nullableBytes()?.toString('hex') ?? null).toEqual(b ? Buffer.from(b).toString('hex') : null);
          expect(r.compactNullableBytes()?.toString('hex') ?? null).toEqual(b ? Buffer.from(b).toString('hex') : null);
        },
      ),
    );
  });

  it('skips unknown tagged fields', () => {
    const buf = new Writer()
      .uvarint(2)
      .uvarint(0)
      .uvarint(3)
      .raw(Buffer.from('abc'))
      .uvarint(7)
      .uvarint(0)
      .int8(42)
      .toBuffer();
    const r = new Reader(buf);
    r.taggedFields();
    expect(r.int8()).toBe(42);
  });

  it('computes CRC-32C check values', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(32))).toBe(0x8a9136aa);
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
  });
});

describe('record batches', () => {
  it('builds batches whose CRC verifies and whose records decode back', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            key: fc.option(fc.uint8Array({ maxLength: 20 })),
            value: fc.option(fc.uint8Array({ maxLength: 200 })),
          }),
          { minLength: 1, maxLength: 20 },
        ),
        (recs) => {
          const batch = encodeBatch(
            recs.map((r) => ({ key: r.key ? Buffer.from(r.key) : null, value: r.value ? Buffer.from(r.value) : null })),
          );
          expect(checkBatch(batch, 0)).toEqual({ size: batch.length });
          const back = decodeRecords(batch);
          expect(back.map((r) => r.value?.toString('hex') ?? null)).toEqual(
            recs.map((r) => (r.value ? Buffer.from(r.value).toString('hex') : null)),
          );
        },
      ),
    );
  });

  it('finds any single flipped bit after the CRC field', () => {
    const batch = encodeBatch([{ key: Buffer.from('k'), value: Buffer.from('some value') }]);
    fc.assert(
      fc.property(fc.integer({ min: 21, max: batch.length - 1 }), fc.integer({ min: 0, max: 7 }), (at, bit) => {
        const copy = Buffer.from(batch);
        copy[at]! ^= 1 << bit;
        expect(checkBatch(copy, 0)).not.toEqual({ size: batch.length });
      }),
    );
  });
});

describe('request decoders on untrusted bytes', () => {
  it('either decode or throw ProtocolError, for every API and version served', () => {
    for (const h of handlers) {
      for (let v = h.minVersion; v <= h.maxVersion; v++) {
        const codec = codecFor(h.request, v);
        fc.assert(
          fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
            try {
              codec.decode(new Reader(Buffer.from(bytes)));
            } catch (err) {
              expect(err).toBeInstanceOf(ProtocolError);
            }
          }),
          { numRuns: 60 },
        );
      }
    }
  });

  it('round-trip every response schema through encode and decode', () => {
    for (const h of handlers) {
      for (let v = h.minVersion; v <= h.maxVersion; v++) {
        const codec = codecFor(h.response, v);
        const w = new Writer();
        codec.encode(w, {});
        const decoded = codec.decode(new Reader(w.toBuffer()));
        const again = new Writer();
        codec.encode(again, decoded);
        expect(again.toBuffer().equals(w.toBuffer()), `${h.name} v${v}`).toBe(true);
      }
    }
  });
});
