import { ftruncateSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { Logger } from 'pino';
import { decodeRecords } from '../protocol/records.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { LOG_OVERHEAD } from '../protocol/record-batch.ts';
import { type DataSync, fsDataSync } from './data-sync.ts';
import { ProducerState } from './producer-state.ts';
import { scanSegment } from './scan.ts';
import { Segment } from './segment.ts';

function exactOffset(batch: Buffer, ts: number): { offset: number; timestamp: number } | undefined {
  try {
    const codec = batch.readInt16BE(21) & 0x07;
    let plain = batch;
    if (codec === 1) {
      plain = Buffer.concat([batch.subarray(0, 61), gunzipSync(batch.subarray(61))]);
      plain.writeInt32BE(plain.length - 12, 8);
      plain.writeInt16BE(batch.readInt16BE(21) & ~0x07, 21);
    } else if (codec !== 0) return undefined;
    const rec = decodeRecords(plain).find((r) => r.timestamp >= ts);
    return rec ? { offset: rec.offset, timestamp: rec.timestamp } : undefined;
  } catch {
    return undefined;
  }
}

export interface LogConfig {
  /** Roll to a new segment past this many bytes. */
  segmentBytes: number;
  /** Add an offset-index entry at most every this many log bytes. */
  indexIntervalBytes: number;
  /** Delete closed segments last written longer ago than this (undefined = keep). */
  retentionMs: number | undefined;
  /** Delete the oldest closed segments while the partition stays above this size (undefined = keep). */
  retentionBytes: number | undefined;
}

export type AppendResult =
  | { errorCode: 0; baseOffset: number; duplicate: boolean; records: number; bytes: number }
  | { errorCode: number; baseOffset: -1 };

export interface ReadResult {
  errorCode: number;
  chunks: Buffer[];
  bytes: number;
}

/**
 * One partition's durable log: a list of segments, the high watermark (single
 * replica, so it is the log end offset) and the log start offset. Writes are
 * synchronous to the page cache; `sync()` makes them durable (group-committed).
 */
export class PartitionLog {
  private segments: Segment[] = [];
  private readonly producers = new ProducerState();
  private syncing: Promise<void> | undefined;
  /** The closed segment whose file is kept open for readers (consumers usually read one at a time). */
  private readSegment: Segment | undefined;
  private syncAgain = false;
  private dirty = false;
  /**
   * Set for good once a flush of this log fails: after a failed fdatasync the
   * kernel may have dropped the dirty pages, so a later flush that succeeds
   * proves nothing, and only a CRC check at the next start can tell.
   */
  private syncFailed = false;
  private readonly waiters = new Set<() => void>();
  closed = false;

  private constructor(
    readonly dir: string,
    readonly config: LogConfig,
    private readonly logger: Logger,
    private readonly dataSync: DataSync,
  ) {}

  /** Opens (or creates) the log in `dir`; an unclean start verifies the active segment and cuts a torn tail. */
  static open(
    dir: string,
    config: LogConfig,
    logger: Logger,
    cleanShutdown: boolean,
    dataSync: DataSync = fsDataSync,
  ): PartitionLog {
    mkdirSync(dir, { recursive: true });
    const log = new PartitionLog(dir, config, logger, dataSync);
    const bases = readdirSync(dir)
      .filter((n) => /^\d{20}\.log$/.test(n))
      .map((n) => Number(n.slice(0, 20)))
      .sort((a, b) => a - b);
    if (bases.length === 0) {
      log.segments.push(new Segment(dir, 0, true));
      return log;
    }
    for (const [i, base] of bases.entries()) {
      const seg = new Segment(dir, base, false);
      log.segments.push(seg);
      const active = i === bases.length - 1;
      if (!active) {
        seg.loadIndex();
        const from = seg.lastIndexedPositionOrZero();
        const fromOffset = from === 0 ? base : seg.read(from, 8).readBigInt64BE(0);
        const r = scanSegment(seg, from, Number(fromOffset), false);
        seg.nextOffset = r.nextOffset;
        seg.closeFiles();
        continue;
      }
      log.recoverActive(seg, cleanShutdown);
    }
    return log;
  }

  private recoverActive(seg: Segment, cleanShutdown: boolean): void {
    const entries: { offset: number; position: number }[] = [];
    let lastIndexed = -1;
    const r = scanSegment(seg, 0, seg.baseOffset, !cleanShutdown, (b) => {
      if (lastIndexed < 0 || b.position - lastIndexed >= this.config.indexIntervalBytes) {
        entries.push({ offset: b.baseOffset, position: b.position });
        lastIndexed = b.position;
      }
      this.producers.record(
        b.producerId,
        b.producerEpoch,
        b.baseSequence,
        b.baseSequence + (b.lastOffset - b.baseOffset),
        b.baseOffset,
      );
    });
    if (r.validEnd < seg.size) {
      this.logger.warn(
        {
          dir: this.dir,
          segment: seg.baseOffset,
          keptBytes: r.validEnd,
          droppedBytes: seg.size - r.validEnd,
          reason: r.problem,
        },
        'truncating torn or corrupt log tail',
      );
      ftruncateSync(seg.fd, r.validEnd);
      this.flush(seg.fd);
      seg.size = r.validEnd;
    }
    seg.nextOffset = r.nextOffset;
    seg.rewriteIndex(entries);
  }

  private get active(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  get logStartOffset(): number {
    return this.segments[0]!.baseOffset;
  }

  /** Log end offset = high watermark on a single node. */
  get nextOffset(): number {
    return this.active.nextOffset;
  }

  get sizeBytes(): number {
    let total = 0;
    for (const s of this.segments) total += s.size;
    return total;
  }

  /** Segments currently holding open file descriptors (the active one, and at most one being read). */
  get segmentsWithOpenFiles(): number {
    return this.segments.filter((s) => s.hasOpenFiles).length;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /**
   * Appends one validated batch (the buffer holds exactly that batch): assigns
   * offsets by rewriting baseOffset (outside the CRC) and the leader epoch.
   */
  append(batch: Buffer): AppendResult {
    // Closed by a topic deletion or broker shutdown while the request was in flight: the client refreshes metadata.
    if (this.closed) return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, baseOffset: -1 };
    const lastOffsetDelta = batch.readInt32BE(23);
    const producerId = Number(batch.readBigInt64BE(43));
    const epoch = batch.readInt16BE(51);
    const firstSeq = batch.readInt32BE(53);
    const lastSeq = firstSeq + lastOffsetDelta;
    const check = this.producers.check(producerId, epoch, firstSeq, lastSeq);
    if (check.kind === 'error') return { errorCode: check.code, baseOffset: -1 };
    if (check.kind === 'duplicate') {
      return { errorCode: 0, baseOffset: check.baseOffset, duplicate: true, records: 0, bytes: 0 };
    }
    if (this.active.size > 0 && this.active.size + batch.length > this.config.segmentBytes) this.roll();
    const seg = this.active;
    const baseOffset = seg.nextOffset;
    batch.writeBigInt64BE(BigInt(baseOffset), 0);
    batch.writeInt32BE(0, 12);
    const position = seg.size;
    seg.append(batch);
    seg.maybeIndex(baseOffset, position, this.config.indexIntervalBytes);
    seg.nextOffset = baseOffset + lastOffsetDelta + 1;
    this.producers.record(producerId, epoch, firstSeq, lastSeq, baseOffset);
    this.dirty = true;
    this.notify();
    return { errorCode: 0, baseOffset, duplicate: false, records: batch.readInt32BE(57), bytes: batch.length };
  }

  private roll(): void {
    const old = this.active;
    this.flush(old.fd);
    this.flush(old.indexFd);
    old.closeFiles();
    this.segments.push(new Segment(this.dir, old.nextOffset, true));
    this.logger.debug({ dir: this.dir, base: old.nextOffset }, 'rolled segment');
  }

  /**
   * Whole batches starting with the one that holds `offset`, up to `maxBytes`
   * (the first batch is always returned whole, so a large batch never blocks a consumer).
   */
  read(offset: number, maxBytes: number): ReadResult {
    if (this.closed) return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, chunks: [], bytes: 0 };
    if (offset < this.logStartOffset || offset > this.nextOffset) {
      return { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, chunks: [], bytes: 0 };
    }
    if (offset === this.nextOffset) return { errorCode: 0, chunks: [], bytes: 0 };
    let si = this.segments.length - 1;
    while (si > 0 && this.segments[si]!.baseOffset > offset) si--;
    let seg = this.segments[si]!;
    while (seg.nextOffset <= offset && si < this.segments.length - 1) seg = this.segments[++si]!;
    this.keepOpen(seg);
    let pos = seg.lookup(offset);
    let want = Math.max(maxBytes, 1) + this.config.indexIntervalBytes + 64 * 1024;
    let buf = seg.read(pos, want);
    let at = 0;
    // Skip batches that end before the requested offset.
    for (;;) {
      if (buf.length - at < LOG_OVERHEAD + 49) {
        if (pos + at >= seg.size) return { errorCode: 0, chunks: [], bytes: 0 };
        pos += at;
        at = 0;
        buf = seg.read(pos, want);
        continue;
      }
      const base = Number(buf.readBigInt64BE(at));
      const size = LOG_OVERHEAD + buf.readInt32BE(at + 8);
      const last = base + buf.readInt32BE(at + 23);
      if (last >= offset) break;
      at += size;
    }
    const start = at;
    let end = at;
    for (;;) {
      if (buf.length - end < LOG_OVERHEAD) break;
      const size = LOG_OVERHEAD + buf.readInt32BE(end + 8);
      if (end === start && end + size > buf.length) {
        // The first batch is larger than what was read: read it whole.
        pos += start;
        want = size;
        buf = seg.read(pos, size);
        return { errorCode: 0, chunks: [buf], bytes: buf.length };
      }
      if (end + size > buf.length || (end > start && end + size - start > maxBytes)) break;
      end += size;
    }
    const out = buf.subarray(start, end);
    return { errorCode: 0, chunks: out.length > 0 ? [out] : [], bytes: out.length };
  }

  private keepOpen(seg: Segment): void {
    if (seg === this.active || seg === this.readSegment) return;
    if (this.readSegment && this.readSegment !== this.active) this.readSegment.closeFiles();
    this.readSegment = seg;
  }

  /**
   * First offset whose record timestamp is >= ts, with that timestamp (-1 when none), as ListOffsets
   * needs. Batches are found by their max timestamp; inside an uncompressed or
   * gzip batch the exact record is found, other codecs answer the batch start.
   */
  offsetForTimestamp(ts: number): { offset: number; timestamp: number } {
    if (this.closed) return { offset: -1, timestamp: -1 };
    for (const seg of this.segments) {
      let found: { position: number; size: number; baseOffset: number; maxTimestamp: number } | undefined;
      scanSegment(seg, 0, seg.baseOffset, false, (b) => {
        if (!found && b.maxTimestamp >= ts) found = b;
      });
      const result = found
        ? (exactOffset(seg.read(found.position, found.size), ts) ?? {
            offset: found.baseOffset,
            timestamp: found.maxTimestamp,
          })
        : undefined;
      if (seg !== this.active && seg !== this.readSegment) seg.closeFiles();
      if (result) return result;
    }
    return { offset: -1, timestamp: -1 };
  }

  /** Long-polling fetches currently waiting for an append here. */
  get waitingFetches(): number {
    return this.waiters.size;
  }

  onAppend(listener: () => void): () => void {
    this.waiters.add(listener);
    return () => this.waiters.delete(listener);
  }

  private notify(): void {
    for (const w of this.waiters) w();
  }

  /** fdatasync of the active segment, coalescing concurrent callers (group commit). */
  sync(): Promise<void> {
    if (this.syncing) {
      this.syncAgain = true;
      return this.syncing.then(() => (this.syncAgain ? this.sync() : undefined));
    }
    if (!this.dirty || this.closed) return Promise.resolve();
    this.dirty = false;
    const segment = this.active;
    this.syncing = new Promise<void>((resolve, reject) => {
      this.dataSync.syncAsync(segment.fd, (err) => {
        this.syncing = undefined;
        // A roll fdatasyncs and closes the old segment itself, so an error on its
        // (now closed) descriptor loses nothing.
        if (err && !this.closed && segment === this.active) {
          this.syncFailed = true;
          reject(err);
        } else resolve();
      });
    });
    this.syncAgain = false;
    return this.syncing;
  }

  /** Deletes closed segments past the retention limits; returns how many were deleted. */
  applyRetention(now = Date.now()): number {
    let deleted = 0;
    const { retentionMs, retentionBytes } = this.config;
    if (retentionMs !== undefined) {
      const seg = this.active;
      if (seg.size > 0 && now - seg.lastAppendMs > retentionMs) this.roll();
    }
    let total = this.sizeBytes;
    while (this.segments.length > 1) {
      const oldest = this.segments[0]!;
      const expired = retentionMs !== undefined && now - oldest.lastAppendMs > retentionMs;
      const oversize = retentionBytes !== undefined && total - oldest.size >= retentionBytes;
      if (!expired && !oversize) break;
      this.segments.shift();
      total -= oldest.size;
      oldest.close();
      rmSync(oldest.logPath, { force: true });
      rmSync(oldest.indexPath, { force: true });
      deleted++;
    }
    if (deleted > 0)
      this.logger.info({ dir: this.dir, deleted, logStartOffset: this.logStartOffset }, 'retention deleted segments');
    return deleted;
  }

  /** fdatasync now; a failure is remembered (see syncFailed) and thrown. */
  private flush(fd: number): void {
    try {
      this.dataSync.sync(fd);
    } catch (err) {
      this.syncFailed = true;
      throw err;
    }
  }

  /**
   * Flushes and closes every segment. Returns whether everything written is known
   * to be on disk: false when a flush failed, now or earlier, in which case the
   * broker must not record a clean shutdown (the next start then verifies the
   * CRC of every batch of the active segment).
   */
  close(): boolean {
    if (this.closed) return !this.syncFailed;
    for (const s of this.segments) {
      try {
        if (s.hasOpenFiles) this.flush(s.fd);
      } catch (err) {
        this.logger.error(
          { err, dir: this.dir, segment: s.baseOffset },
          'fdatasync failed on close; the next start will verify this log',
        );
      }
      s.close();
    }
    this.closed = true;
    this.notify();
    return !this.syncFailed;
  }
}
