import { crc32c } from './crc32c.ts';

/**
 * Record batch (magic v2) header, read in place; records themselves are never
 * decoded on the produce or fetch path.
 *
 * RecordBatch =>
 *   baseOffset: int64            @0   (rewritten by the broker on append)
 *   batchLength: int32           @8   (bytes after this field)
 *   partitionLeaderEpoch: int32  @12  (not covered by the CRC)
 *   magic: int8                  @16  (= 2)
 *   crc: uint32                  @17  (CRC-32C of attributes .. end)
 *   attributes: int16            @21  (bits 0-2 compression, 3 timestamp type, 4 transactional, 5 control)
 *   lastOffsetDelta: int32       @23
 *   baseTimestamp: int64         @27
 *   maxTimestamp: int64          @35
 *   producerId: int64            @43
 *   producerEpoch: int16         @51
 *   baseSequence: int32          @53
 *   records: [Record]            @57 (int32 count, then records)
 */
export const BATCH_HEADER_SIZE = 61;
export const LOG_OVERHEAD = 12;

export interface BatchHeader {
  baseOffset: number;
  batchLength: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

export function readBatchHeader(buf: Buffer, at = 0): BatchHeader {
  return {
    baseOffset: Number(buf.readBigInt64BE(at)),
    batchLength: buf.readInt32BE(at + 8),
    magic: buf.readInt8(at + 16),
    crc: buf.readUInt32BE(at + 17),
    attributes: buf.readInt16BE(at + 21),
    lastOffsetDelta: buf.readInt32BE(at + 23),
    baseTimestamp: Number(buf.readBigInt64BE(at + 27)),
    maxTimestamp: Number(buf.readBigInt64BE(at + 35)),
    producerId: Number(buf.readBigInt64BE(at + 43)),
    producerEpoch: buf.readInt16BE(at + 51),
    baseSequence: buf.readInt32BE(at + 53),
    recordCount: buf.readInt32BE(at + 57),
  };
}

export type BatchProblem = 'truncated' | 'magic' | 'crc' | 'length' | 'count';

/**
 * Checks one batch at `at`: sane length, magic 2, CRC-32C, and a record count
 * that agrees with lastOffsetDelta. Returns the batch size, or the problem.
 */
export function checkBatch(buf: Buffer, at: number, end = buf.length): { size: number } | { problem: BatchProblem } {
  if (end - at < BATCH_HEADER_SIZE) return { problem: 'truncated' };
  const batchLength = buf.readInt32BE(at + 8);
  if (batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD) return { problem: 'length' };
  const size = LOG_OVERHEAD + batchLength;
  if (size > end - at) return { problem: 'truncated' };
  if (buf.readInt8(at + 16) !== 2) return { problem: 'magic' };
  if (crc32c(buf, at + 21, at + size) !== buf.readUInt32BE(at + 17)) return { problem: 'crc' };
  const lastOffsetDelta = buf.readInt32BE(at + 23);
  const count = buf.readInt32BE(at + 57);
  if (lastOffsetDelta < 0 || count < 0 || count > lastOffsetDelta + 1) return { problem: 'count' };
  return { size };
}

export function setBaseOffset(buf: Buffer, at: number, baseOffset: number): void {
  buf.writeBigInt64BE(BigInt(baseOffset), at);
}

export const compressionOf = (attributes: number): number => attributes & 0x07;
export const isControlBatch = (attributes: number): boolean => (attributes & 0x20) !== 0;
export const isTransactional = (attributes: number): boolean => (attributes & 0x10) !== 0;
