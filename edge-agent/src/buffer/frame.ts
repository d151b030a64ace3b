import { crc32 } from 'node:zlib';

/**
 * One record on disk: u32 length, u32 CRC-32 of the payload, payload.
 * A record whose length runs past the end of the file or whose CRC does not
 * match is a torn write (power lost mid-append).
 */
export const FRAME_HEADER = 8;
/** Guards recovery against a garbage length in a torn header. */
export const MAX_RECORD = 1024 * 1024;

export function encodeFrames(items: readonly Buffer[]): Buffer {
  let size = 0;
  for (const item of items) size += FRAME_HEADER + item.length;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const item of items) {
    out.writeUInt32LE(item.length, at);
    out.writeUInt32LE(crc32(item), at + 4);
    item.copy(out, at + FRAME_HEADER);
    at += FRAME_HEADER + item.length;
  }
  return out;
}

export interface DecodedFrames {
  items: Buffer[];
  /** Bytes consumed by the whole, valid records returned. */
  consumed: number;
  /** A record in the middle failed its checksum or had an impossible length. */
  corrupt: boolean;
}

/** Decodes whole records from `buf`, up to `max`; stops at a partial record at the end. */
export function decodeFrames(buf: Buffer, max: number): DecodedFrames {
  const items: Buffer[] = [];
  let at = 0;
  while (items.length < max && at + FRAME_HEADER <= buf.length) {
    const len = buf.readUInt32LE(at);
    if (len > MAX_RECORD) return { items, consumed: at, corrupt: true };
    if (at + FRAME_HEADER + len > buf.length) break;
    const payload = buf.subarray(at + FRAME_HEADER, at + FRAME_HEADER + len);
    if (crc32(payload) !== buf.readUInt32LE(at + 4)) return { items, consumed: at, corrupt: true };
    items.push(payload);
    at += FRAME_HEADER + len;
  }
  return { items, consumed: at, corrupt: false };
}
