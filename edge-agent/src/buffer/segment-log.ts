import { mkdir, open, readdir, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { EdgeError } from '../errors.ts';
import { decodeFrames, encodeFrames, FRAME_HEADER, MAX_RECORD } from './frame.ts';

export interface SegmentLogOptions {
  /** Disk budget for segment files; past it the oldest segment is dropped. */
  maxBytes: number;
  /** A segment is closed and a new one started past this size. */
  segmentBytes: number;
  /** Called after records were dropped for the disk budget. */
  onDrop?: (count: number) => void;
  /** Called when recovery cut a torn tail or skipped a corrupt record range. */
  onRecover?: (info: { segment: string; truncatedBytes: number; corrupt: boolean }) => void;
}

interface Segment {
  /** Index of the segment's first record (also its file name). */
  first: number;
  count: number;
  bytes: number;
  path: string;
}

export interface LogBatch {
  /** Index of the first record in the batch. */
  from: number;
  /** Index just past the last record: acknowledging the batch acks `to`. */
  to: number;
  items: Buffer[];
  /** Readings dropped for the disk budget not yet reported upstream. */
  dropped: number;
  /** Read position just past the batch (what acknowledging it persists). */
  end: Cursor;
}

export interface Cursor {
  index: number;
  segment: number;
  offset: number;
}

const ACK_FILE = 'ack.bin';
const ACK_SIZE = 40;
const segName = (first: number) => `${String(first).padStart(16, '0')}.seg`;

/**
 * Durable FIFO of readings: an append-only log of segment files.
 *
 * - `append` resolves only after the records are written and fdatasync'd
 *   (group commit: appends arriving during a sync share the next one).
 * - `next` hands out records in order from the read cursor; `ack(to)` moves the
 *   durable acknowledged cursor and deletes segments that are fully acknowledged.
 * - On open, the last segment is scanned and a torn tail (a record cut by power
 *   loss, never reported as stored) is truncated; everything else is kept.
 * - Past `maxBytes`, whole oldest segments are deleted and their unacknowledged
 *   records counted as dropped: the newest data is never the one dropped.
 */
export class SegmentLog {
  private readonly dir: string;
  private opts: SegmentLogOptions;
  private segments: Segment[] = [];
  private active: FileHandle | undefined;
  private nextIndex = 0;
  private acked: Cursor = { index: 0, segment: 0, offset: 0 };
  private read: Cursor = { index: 0, segment: 0, offset: 0 };
  private ackFile: FileHandle | undefined;
  private pending: { frames: Buffer; count: number; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private flushing: Promise<void> | undefined;
  private droppedPending = 0;
  private closed = false;
  private readFd: { segment: number; fh: FileHandle } | undefined;
  /** Totals since open (metrics). */
  readonly totals = { appended: 0, acked: 0, dropped: 0, fsyncs: 0 };

  private constructor(dir: string, opts: SegmentLogOptions) {
    this.dir = dir;
    this.opts = opts;
  }

  static async open(dir: string, opts: SegmentLogOptions): Promise<SegmentLog> {
    const log = new SegmentLog(dir, opts);
    await log.recover();
    return log;
  }

  /** New disk budget (config reload); applies from the next append. */
  setBudget(maxBytes: number, segmentBytes: number): void {
    this.opts = { ...this.opts, maxBytes, segmentBytes };
  }

  get diskBytes(): number {
    return this.segments.reduce((n, s) => n + s.bytes, 0);
  }

  /** Records stored and not yet acknowledged. */
  get backlog(): number {
    const first = this.segments[0]?.first ?? this.nextIndex;
    return this.nextIndex - Math.max(this.acked.index, first);
  }

  get ackedIndex(): number {
    return this.acked.index;
  }

  get headIndex(): number {
    return this.nextIndex;
  }

  private async recover(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const names = (await readdir(this.dir)).filter((n) => /^\d{16}\.seg$/.test(n)).sort();
    for (const name of names) {
      const path = join(this.dir, name);
      this.segments.push({ first: Number(name.slice(0, 16)), count: 0, bytes: (await stat(path)).size, path });
    }
    for (let i = 0; i < this.segments.length; i++) {
      const seg = this.segments[i] as Segment;
      const next = this.segments[i + 1];
      if (next) seg.count = next.first - seg.first;
      else await this.scanTail(seg);
    }
    const last = this.segments[this.segments.length - 1];
    this.nextIndex = last ? last.first + last.count : 0;
    await (await open(join(this.dir, ACK_FILE), 'a')).close();
    const ackFile = await open(join(this.dir, ACK_FILE), 'r+');
    this.ackFile = ackFile;
    const buf = Buffer.alloc(ACK_SIZE);
    const { bytesRead } = await ackFile.read(buf, 0, ACK_SIZE, 0);
    const first = this.segments[0]?.first ?? this.nextIndex;
    let cursor: Cursor = { index: first, segment: first, offset: 0 };
    if (bytesRead === ACK_SIZE && crc32(buf.subarray(0, 32)) === buf.readUInt32LE(32)) {
      const saved = {
        index: Number(buf.readBigUInt64LE(0)),
        segment: Number(buf.readBigUInt64LE(8)),
        offset: Number(buf.readBigUInt64LE(16)),
      };
      this.droppedPending = Number(buf.readBigUInt64LE(24));
      const seg = this.segments.find((s) => s.first === saved.segment);
      if (saved.index >= this.nextIndex)
        cursor = { index: this.nextIndex, segment: last?.first ?? 0, offset: last?.bytes ?? 0 };
      else if (seg && saved.offset <= seg.bytes && saved.index >= seg.first) cursor = saved;
    }
    // Fully acknowledged segments left behind by a crash between ack and unlink.
    while (this.segments.length > 1 && (this.segments[1] as Segment).first <= cursor.index) {
      await rm((this.segments.shift() as Segment).path, { force: true });
    }
    this.acked = { ...cursor };
    this.read = { ...cursor };
    if (!last) await this.startSegment(this.nextIndex);
    else this.active = await open((this.segments[this.segments.length - 1] as Segment).path, 'a');
  }

  /** Counts the records of the last segment and cuts a torn tail. */
  private async scanTail(seg: Segment): Promise<void> {
    const fh = await open(seg.path, 'r+');
    try {
      let offset = 0;
      let count = 0;
      let corrupt = false;
      const chunk = 4 * 1024 * 1024;
      while (offset < seg.bytes) {
        const size = Math.min(chunk + MAX_RECORD + FRAME_HEADER, seg.bytes - offset);
        const buf = Buffer.allocUnsafe(size);
        const { bytesRead } = await fh.read(buf, 0, size, offset);
        const frames = decodeFrames(buf.subarray(0, bytesRead), Number.MAX_SAFE_INTEGER);
        count += frames.items.length;
        offset += frames.consumed;
        if (frames.corrupt || frames.consumed === 0) {
          corrupt = frames.corrupt;
          break;
        }
      }
      if (offset < seg.bytes) {
        this.opts.onRecover?.({ segment: seg.path, truncatedBytes: seg.bytes - offset, corrupt });
        await fh.truncate(offset);
        await fh.sync();
        seg.bytes = offset;
      }
      seg.count = count;
    } finally {
      await fh.close();
    }
  }

  private async startSegment(first: number): Promise<void> {
    await this.active?.close();
    const path = join(this.dir, segName(first));
    this.active = await open(path, 'a');
    this.segments.push({ first, count: 0, bytes: 0, path });
    // The new file's directory entry must be durable before records in it count as stored.
    const dirFh = await open(this.dir, 'r');
    try {
      await dirFh.sync();
    } finally {
      await dirFh.close();
    }
  }

  /** Stores the items durably; resolves after fsync. */
  append(items: readonly Buffer[]): Promise<void> {
    if (this.closed) return Promise.reject(new EdgeError('EDGE_BUFFER_IO', 'buffer is closed', { retriable: false }));
    if (items.length === 0) return Promise.resolve();
    const frames = encodeFrames(items);
    return new Promise((resolve, reject) => {
      this.pending.push({ frames, count: items.length, resolve, reject });
      this.flushing ??= this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const group = this.pending;
        this.pending = [];
        try {
          await this.writeGroup(
            group.map((p) => p.frames),
            group.reduce((n, p) => n + p.count, 0),
          );
          for (const p of group) p.resolve();
        } catch (err) {
          const e = new EdgeError('EDGE_BUFFER_IO', `cannot store readings: ${(err as Error).message}`, {
            cause: err,
          });
          for (const p of group) p.reject(e);
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  private async writeGroup(chunks: Buffer[], count: number): Promise<void> {
    const data = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    let seg = this.segments[this.segments.length - 1] as Segment;
    if (seg.bytes > 0 && seg.bytes + data.length > this.opts.segmentBytes) {
      await this.startSegment(this.nextIndex);
      seg = this.segments[this.segments.length - 1] as Segment;
    }
    await this.enforceBudget(data.length);
    for (let attempt = 0; ; attempt++) {
      try {
        // write(2) may store only part of the data (a filling disk) without an error.
        for (let off = 0; off < data.length; ) {
          const { bytesWritten } = await (this.active as FileHandle).write(data, off, data.length - off, null);
          if (bytesWritten <= 0) throw Object.assign(new Error('no space left'), { code: 'ENOSPC' });
          off += bytesWritten;
        }
        await (this.active as FileHandle).datasync();
        break;
      } catch (err) {
        // The disk filled up before the budget did (other files, a budget larger than the disk):
        // cut what the failed write left, give up the oldest segment and try again.
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC' || attempt >= 64) throw err;
        await (this.active as FileHandle).truncate(seg.bytes);
        if (this.segments.length === 1) {
          if (seg.bytes === 0) throw err; // nothing of ours left to give up
          await this.startSegment(this.nextIndex);
          seg = this.segments[this.segments.length - 1] as Segment;
        }
        await this.recordDrops(await this.dropOldest());
      }
    }
    this.totals.fsyncs++;
    seg.bytes += data.length;
    seg.count += count;
    this.nextIndex += count;
    this.totals.appended += count;
  }

  /** Deletes whole oldest segments until `incoming` more bytes fit in the budget. */
  private async enforceBudget(incoming: number): Promise<void> {
    let dropped = 0;
    while (this.diskBytes + incoming > this.opts.maxBytes && this.segments.length > 1)
      dropped += await this.dropOldest();
    await this.recordDrops(dropped);
  }

  /** Deletes the oldest segment (never the active one); returns how many unacknowledged records it held. */
  private async dropOldest(): Promise<number> {
    if (this.segments.length < 2) return 0;
    const seg = this.segments.shift() as Segment;
    const end = seg.first + seg.count;
    const unacked = end - Math.max(seg.first, Math.min(this.acked.index, end));
    if (this.readFd?.segment === seg.first) {
      await this.readFd.fh.close().catch(() => undefined);
      this.readFd = undefined;
    }
    await rm(seg.path, { force: true });
    const head = this.segments[0] as Segment;
    if (this.acked.index < head.first) this.acked = { index: head.first, segment: head.first, offset: 0 };
    if (this.read.index < head.first) this.read = { index: head.first, segment: head.first, offset: 0 };
    return unacked;
  }

  private async recordDrops(dropped: number): Promise<void> {
    if (dropped <= 0) return;
    this.droppedPending += dropped;
    this.totals.dropped += dropped;
    await this.writeAck();
    this.opts.onDrop?.(dropped);
  }

  /**
   * A cursor that sits at the very end of a segment (or in one deleted since)
   * moved to the start of the segment that holds its index.
   */
  private settle(c: Cursor): Cursor {
    const seg = this.segments.find((s) => s.first === c.segment);
    if (seg && c.index < seg.first + seg.count) return c;
    if (seg && c.offset < seg.bytes) return c;
    const holder = this.segments.find((s) => s.first <= c.index && c.index < s.first + s.count);
    if (holder && holder.first === c.index) return { index: c.index, segment: holder.first, offset: 0 };
    if (seg) return c; // end of the last segment: appends continue there
    const head = this.segments[0];
    // The segment is gone (dropped for the budget): continue at the oldest one left.
    return head && head.first >= c.index ? { index: head.first, segment: head.first, offset: 0 } : c;
  }

  /**
   * The next records after the read cursor, at most `max` records or `maxBytes`
   * bytes; advances the read cursor (not the acknowledged one). Empty when
   * everything stored has been handed out.
   */
  async next(max: number, maxBytes = 8 * 1024 * 1024): Promise<LogBatch> {
    this.read = this.settle(this.read);
    const from = this.read.index;
    const items: Buffer[] = [];
    let bytes = 0;
    let chunk = 256 * 1024;
    while (items.length < max) {
      const i = this.segments.findIndex((s) => s.first === this.read.segment);
      const seg = this.segments[i];
      if (!seg) break;
      const end = seg.first + seg.count;
      if (this.read.index >= end) {
        const nextSeg = this.segments[i + 1];
        if (!nextSeg) break;
        this.read = { index: nextSeg.first, segment: nextSeg.first, offset: 0 };
        continue;
      }
      const remaining = seg.bytes - this.read.offset;
      const want = Math.min(remaining, chunk);
      if (want <= 0) break;
      if (this.readFd?.segment !== seg.first) {
        await this.readFd?.fh.close().catch(() => undefined);
        this.readFd = { segment: seg.first, fh: await open(seg.path, 'r') };
      }
      const buf = Buffer.allocUnsafe(want);
      const { bytesRead } = await this.readFd.fh.read(buf, 0, want, this.read.offset);
      const frames = decodeFrames(buf.subarray(0, bytesRead), Math.min(max - items.length, end - this.read.index));
      // Records stay views into this chunk: one allocation per chunk, not per reading.
      for (const item of frames.items) items.push(item);
      bytes += frames.consumed;
      this.read = {
        index: this.read.index + frames.items.length,
        segment: seg.first,
        offset: this.read.offset + frames.consumed,
      };
      if (frames.corrupt) {
        // A damaged record inside a closed segment: skip the rest of that segment.
        const lost = end - this.read.index;
        this.totals.dropped += lost;
        this.droppedPending += lost;
        this.read = { index: end, segment: seg.first, offset: seg.bytes };
        this.opts.onRecover?.({ segment: seg.path, truncatedBytes: 0, corrupt: true });
      }
      if (frames.items.length === 0 && !frames.corrupt) {
        // A record longer than the chunk: read a bigger one; otherwise nothing whole is there yet.
        if (want < remaining && chunk < MAX_RECORD + FRAME_HEADER) {
          chunk *= 2;
          continue;
        }
        break;
      }
      if (bytes >= maxBytes) break;
    }
    return { from, to: this.read.index, items, dropped: this.droppedPending, end: { ...this.read } };
  }

  /** Rewinds the read cursor to the acknowledged one (records handed out but not acked are sent again). */
  rewind(): void {
    this.read = { ...this.acked };
  }

  /**
   * Acknowledges every record of `batch` (and everything before it), durably,
   * and clears the drop count the batch carried upstream.
   */
  async ack(batch: LogBatch): Promise<void> {
    this.droppedPending = Math.max(0, this.droppedPending - batch.dropped);
    if (batch.to > this.acked.index) {
      this.totals.acked += batch.to - this.acked.index;
      const head = this.segments[0];
      this.acked = this.segments.some((s) => s.first === batch.end.segment)
        ? { ...batch.end }
        : { index: Math.max(batch.to, head?.first ?? batch.to), segment: head?.first ?? 0, offset: 0 };
    } else if (batch.dropped === 0) return;
    this.acked = this.settle(this.acked);
    await this.writeAck();
    const to = this.acked.index;
    while (
      this.segments.length > 1 &&
      (this.segments[0] as Segment).first + (this.segments[0] as Segment).count <= to
    ) {
      const seg = this.segments.shift() as Segment;
      if (this.readFd?.segment === seg.first) {
        await this.readFd.fh.close().catch(() => undefined);
        this.readFd = undefined;
      }
      await rm(seg.path, { force: true });
    }
  }

  private async writeAck(): Promise<void> {
    const buf = Buffer.alloc(ACK_SIZE);
    buf.writeBigUInt64LE(BigInt(this.acked.index), 0);
    buf.writeBigUInt64LE(BigInt(this.acked.segment), 8);
    buf.writeBigUInt64LE(BigInt(this.acked.offset), 16);
    buf.writeBigUInt64LE(BigInt(this.droppedPending), 24);
    buf.writeUInt32LE(crc32(buf.subarray(0, 32)), 32);
    await (this.ackFile as FileHandle).write(buf, 0, ACK_SIZE, 0);
    await (this.ackFile as FileHandle).datasync();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    while (this.flushing) await this.flushing;
    this.closed = true;
    await this.active?.close();
    await this.ackFile?.close();
    await this.readFd?.fh.close().catch(() => undefined);
  }
}
