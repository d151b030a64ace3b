import { BATCH_HEADER_SIZE, LOG_OVERHEAD } from '../protocol/record-batch.ts';
import { crc32c } from '../protocol/crc32c.ts';
import type { Segment } from './segment.ts';

export interface ScannedBatch {
  position: number;
  size: number;
  baseOffset: number;
  lastOffset: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  maxTimestamp: number;
}

export interface ScanResult {
  /** Bytes from `from` that hold whole, valid batches. */
  validEnd: number;
  nextOffset: number;
  /** Why the scan stopped before the end of the file, if it did. */
  problem?: string;
}

const CHUNK = 4 * 1024 * 1024;

/**
 * Walks the batches of a segment from `from` (a batch boundary whose base offset
 * is `expectedOffset`), checking framing, magic, contiguous offsets and, when
 * asked, the CRC-32C. Stops at the first batch that fails: everything before it
 * is intact, everything after it is a torn or corrupt tail.
 */
export function scanSegment(
  seg: Segment,
  from: number,
  expectedOffset: number,
  verifyCrc: boolean,
  onBatch?: (b: ScannedBatch) => void,
): ScanResult {
  let pos = from;
  let next = expectedOffset;
  let buf: Buffer = Buffer.alloc(0);
  let bufStart = 0;
  while (pos < seg.size) {
    const rel = pos - bufStart;
    if (rel + LOG_OVERHEAD > buf.length || rel < 0) {
      buf = seg.read(pos, CHUNK);
      bufStart = pos;
      continue;
    }
    if (seg.size - pos < BATCH_HEADER_SIZE) return { validEnd: pos, nextOffset: next, problem: 'torn header' };
    const batchLength = buf.readInt32BE(rel + 8);
    const size = LOG_OVERHEAD + batchLength;
    if (batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD || size > seg.size - pos) {
      return { validEnd: pos, nextOffset: next, problem: 'bad or torn batch length' };
    }
    if (rel + size > buf.length) {
      buf = seg.read(pos, Math.max(CHUNK, size));
      bufStart = pos;
      continue;
    }
    const baseOffset = Number(buf.readBigInt64BE(rel));
    if (baseOffset !== next) return { validEnd: pos, nextOffset: next, problem: `offset ${baseOffset} != ${next}` };
    if (buf.readInt8(rel + 16) !== 2) return { validEnd: pos, nextOffset: next, problem: 'magic' };
    if (verifyCrc && crc32c(buf, rel + 21, rel + size) !== buf.readUInt32BE(rel + 17)) {
      return { validEnd: pos, nextOffset: next, problem: 'crc mismatch' };
    }
    const lastOffsetDelta = buf.readInt32BE(rel + 23);
    if (lastOffsetDelta < 0) return { validEnd: pos, nextOffset: next, problem: 'negative lastOffsetDelta' };
    const lastOffset = baseOffset + lastOffsetDelta;
    onBatch?.({
      position: pos,
      size,
      baseOffset,
      lastOffset,
      producerId: Number(buf.readBigInt64BE(rel + 43)),
      producerEpoch: buf.readInt16BE(rel + 51),
      baseSequence: buf.readInt32BE(rel + 53),
      maxTimestamp: Number(buf.readBigInt64BE(rel + 35)),
    });
    next = lastOffset + 1;
    pos += size;
  }
  return { validEnd: pos, nextOffset: next };
}
