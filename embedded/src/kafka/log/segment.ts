import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

/** Makes a new file's directory entry durable (a segment created by a roll must survive a power cut). */
export function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** File names carry the base offset, zero-padded to 20 digits like Kafka's. */
export function segmentName(baseOffset: number, ext: 'log' | 'index'): string {
  return `${String(baseOffset).padStart(20, '0')}.${ext}`;
}

/**
 * One segment: an append-only file of record batches (exactly as sent by the
 * producer, with the base offset rewritten) and a sparse offset index of
 * 8-byte entries (int32 offset relative to the segment base, int32 file position).
 */
export class Segment {
  readonly logPath: string;
  readonly indexPath: string;
  private logFd: number | undefined;
  private idxFd: number | undefined;
  size: number;
  /** Offset after the last batch written here. */
  nextOffset: number;
  /** Wall-clock time of the last append (file mtime after a restart); drives time retention. */
  lastAppendMs: number;
  private idxOffsets: number[] = [];
  private idxPositions: number[] = [];
  private lastIndexedPosition = -1;

  constructor(
    readonly dir: string,
    readonly baseOffset: number,
    create: boolean,
  ) {
    this.logPath = join(dir, segmentName(baseOffset, 'log'));
    this.indexPath = join(dir, segmentName(baseOffset, 'index'));
    if (create) {
      this.logFd = openSync(this.logPath, 'wx+');
      this.idxFd = openSync(this.indexPath, constants.O_RDWR | constants.O_CREAT | constants.O_TRUNC);
      syncDir(dir);
    }
    const st = statSync(this.logPath);
    this.size = st.size;
    this.lastAppendMs = create ? Date.now() : st.mtimeMs;
    this.nextOffset = baseOffset;
  }

  /**
   * File descriptors are opened on first use: closed segments release theirs
   * (closeFiles) so a long log does not hold two descriptors per segment.
   */
  get fd(): number {
    this.logFd ??= openSync(this.logPath, 'r+');
    return this.logFd;
  }

  get indexFd(): number {
    this.idxFd ??= openSync(this.indexPath, constants.O_RDWR | constants.O_CREAT);
    return this.idxFd;
  }

  get hasOpenFiles(): boolean {
    return this.logFd !== undefined || this.idxFd !== undefined;
  }

  closeFiles(): void {
    if (this.logFd !== undefined) closeSync(this.logFd);
    if (this.idxFd !== undefined) closeSync(this.idxFd);
    this.logFd = undefined;
    this.idxFd = undefined;
  }

  get indexEntries(): number {
    return this.idxOffsets.length;
  }

  /** Loads the index file, keeping entries only while they are ordered and inside the log. */
  loadIndex(): void {
    const st = fstatSync(this.indexFd);
    const bytes = Math.floor(st.size / 8) * 8;
    const buf = Buffer.alloc(bytes);
    if (bytes > 0) readSync(this.indexFd, buf, 0, bytes, 0);
    this.idxOffsets = [];
    this.idxPositions = [];
    let prevPos = -1;
    let prevOff = -1;
    for (let at = 0; at < bytes; at += 8) {
      const rel = buf.readInt32BE(at);
      const pos = buf.readInt32BE(at + 4);
      if (rel <= prevOff || pos <= prevPos || pos >= this.size) break;
      this.idxOffsets.push(this.baseOffset + rel);
      this.idxPositions.push(pos);
      prevOff = rel;
      prevPos = pos;
    }
    this.lastIndexedPosition = prevPos;
    if (this.idxOffsets.length * 8 !== st.size) ftruncateSync(this.indexFd, this.idxOffsets.length * 8);
  }

  /** Replaces the index file with the given entries (after a recovery scan). */
  rewriteIndex(entries: { offset: number; position: number }[]): void {
    this.idxOffsets = entries.map((e) => e.offset);
    this.idxPositions = entries.map((e) => e.position);
    const buf = Buffer.alloc(entries.length * 8);
    entries.forEach((e, i) => {
      buf.writeInt32BE(e.offset - this.baseOffset, i * 8);
      buf.writeInt32BE(e.position, i * 8 + 4);
    });
    ftruncateSync(this.indexFd, 0);
    if (buf.length > 0) writeSync(this.indexFd, buf, 0, buf.length, 0);
    this.lastIndexedPosition = entries.length > 0 ? entries[entries.length - 1]!.position : -1;
  }

  maybeIndex(offset: number, position: number, intervalBytes: number): void {
    if (this.lastIndexedPosition >= 0 && position - this.lastIndexedPosition < intervalBytes) return;
    const entry = Buffer.allocUnsafe(8);
    entry.writeInt32BE(offset - this.baseOffset, 0);
    entry.writeInt32BE(position, 4);
    writeSync(this.indexFd, entry, 0, 8, this.idxOffsets.length * 8);
    this.idxOffsets.push(offset);
    this.idxPositions.push(position);
    this.lastIndexedPosition = position;
  }

  /** File position of the last indexed batch whose base offset is <= offset (0 when none). */
  lookup(offset: number): number {
    let lo = 0;
    let hi = this.idxOffsets.length - 1;
    let best = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.idxOffsets[mid]! <= offset) {
        best = this.idxPositions[mid]!;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return best;
  }

  lastIndexedPositionOrZero(): number {
    return Math.max(0, this.lastIndexedPosition);
  }

  append(buf: Buffer): void {
    let written = 0;
    while (written < buf.length) written += writeSync(this.fd, buf, written, buf.length - written, this.size + written);
    this.size += buf.length;
    this.lastAppendMs = Date.now();
  }

  read(position: number, length: number): Buffer {
    const n = Math.max(0, Math.min(length, this.size - position));
    const buf = Buffer.allocUnsafe(n);
    let got = 0;
    while (got < n) {
      const r = readSync(this.fd, buf, got, n - got, position + got);
      if (r === 0) break;
      got += r;
    }
    return got === n ? buf : buf.subarray(0, got);
  }

  close(): void {
    this.closeFiles();
  }
}
