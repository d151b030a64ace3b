import { Reader } from './reader.ts';
import { readBatchHeader } from './record-batch.ts';
import { crc32c } from './crc32c.ts';
import { Writer } from './writer.ts';

/**
 * Records inside an uncompressed v2 batch (tests, tools and golden fixtures only;
 * the broker itself never decodes records).
 *
 * Record =>
 *   length: varint, attributes: int8, timestampDelta: varlong, offsetDelta: varint,
 *   keyLength: varint, key: byte[], valueLen: varint, value: byte[], [Header] (varint count)
 * Header => headerKeyLength: varint, headerKey: String, headerValueLength: varint, value: byte[]
 */
export interface RecordData {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: { key: string; value: Buffer | null }[];
}

export function decodeRecords(batch: Buffer): RecordData[] {
  const h = readBatchHeader(batch);
  if ((h.attributes & 0x07) !== 0) throw new Error('compressed batch: decompress before decoding records');
  const r = new Reader(batch, 61, 12 + h.batchLength);
  const out: RecordData[] = [];
  for (let i = 0; i < h.recordCount; i++) {
    const length = r.varint();
    const end = r.offset + length;
    r.int8();
    const timestampDelta = r.varlong();
    const offsetDelta = r.varint();
    const keyLen = r.varint();
    const key = keyLen < 0 ? null : Buffer.from(r.raw(keyLen));
    const valueLen = r.varint();
    const value = valueLen < 0 ? null : Buffer.from(r.raw(valueLen));
    const headerCount = r.varint();
    const headers: RecordData['headers'] = [];
    for (let j = 0; j < headerCount; j++) {
      const hk = r.raw(r.varint()).toString('utf8');
      const hvLen = r.varint();
      headers.push({ key: hk, value: hvLen < 0 ? null : Buffer.from(r.raw(hvLen)) });
    }
    r.offset = end;
    out.push({ offset: h.baseOffset + offsetDelta, timestamp: h.baseTimestamp + timestampDelta, key, value, headers });
  }
  return out;
}

export interface NewRecord {
  key?: Buffer | null;
  value: Buffer | null;
  headers?: { key: string; value: Buffer | null }[];
  timestamp?: number;
}

export interface BatchOptions {
  baseOffset?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
}

/** Builds an uncompressed v2 batch with a correct CRC-32C. */
export function encodeBatch(records: NewRecord[], options: BatchOptions = {}): Buffer {
  const baseTimestamp = records[0]?.timestamp ?? Date.now();
  let maxTimestamp = baseTimestamp;
  const body = new Writer(1024);
  records.forEach((rec, i) => {
    const ts = rec.timestamp ?? baseTimestamp;
    if (ts > maxTimestamp) maxTimestamp = ts;
    const w = new Writer(64);
    w.int8(0)
      .varlong(ts - baseTimestamp)
      .varint(i);
    if (rec.key == null) w.varint(-1);
    else w.varint(rec.key.length).raw(rec.key);
    if (rec.value == null) w.varint(-1);
    else w.varint(rec.value.length).raw(rec.value);
    const headers = rec.headers ?? [];
    w.varint(headers.length);
    for (const hd of headers) {
      const k = Buffer.from(hd.key, 'utf8');
      w.varint(k.length).raw(k);
      if (hd.value == null) w.varint(-1);
      else w.varint(hd.value.length).raw(hd.value);
    }
    const rec0 = w.toBuffer();
    body.varint(rec0.length).raw(rec0);
  });
  const recordsBuf = body.toBuffer();
  const out = Buffer.alloc(61 + recordsBuf.length);
  out.writeBigInt64BE(BigInt(options.baseOffset ?? 0), 0);
  out.writeInt32BE(49 + recordsBuf.length, 8);
  out.writeInt32BE(0, 12);
  out.writeInt8(2, 16);
  out.writeInt16BE(0, 21);
  out.writeInt32BE(Math.max(0, records.length - 1), 23);
  out.writeBigInt64BE(BigInt(baseTimestamp), 27);
  out.writeBigInt64BE(BigInt(maxTimestamp), 35);
  out.writeBigInt64BE(BigInt(options.producerId ?? -1), 43);
  out.writeInt16BE(options.producerEpoch ?? -1, 51);
  out.writeInt32BE(options.baseSequence ?? -1, 53);
  out.writeInt32BE(records.length, 57);
  recordsBuf.copy(out, 61);
  out.writeUInt32BE(crc32c(out, 21), 17);
  return out;
}
