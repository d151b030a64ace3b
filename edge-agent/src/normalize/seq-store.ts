import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { EdgeError } from '../errors.ts';

interface SeqFile {
  v: 1;
  /** Per device: every seq below this value may already have been used. */
  reserved: Record<string, number>;
  /** Latest edge timestamp (epoch ms) stamped on any reading: a clock behind it went backwards. */
  lastTs: number;
}

export interface SeqStoreOptions {
  /** Seqs reserved per durable write. A crash skips at most this many per device. */
  blockSize?: number;
}

/**
 * Per-device `seq` that is never reused, even after kill -9: seqs are handed
 * out from blocks whose upper bound is written and fsync'd (tmp file + rename)
 * before the first seq of the block is used. A restart resumes at the reserved
 * bound, so a crash leaves a gap, never a repeat.
 */
export class SeqStore {
  private readonly path: string;
  private readonly blockSize: number;
  private state: SeqFile;
  private readonly next = new Map<string, number>();
  /** Bounds known to be on disk (what `take` may hand out below). */
  private durable: Record<string, number> = {};
  private writing: Promise<void> | undefined;
  private dirty = false;

  private constructor(path: string, state: SeqFile, blockSize: number) {
    this.path = path;
    this.state = state;
    this.blockSize = blockSize;
    for (const [device, bound] of Object.entries(state.reserved)) this.next.set(device, bound);
    this.durable = { ...state.reserved };
  }

  static async open(path: string, options: SeqStoreOptions = {}): Promise<SeqStore> {
    await mkdir(dirname(path), { recursive: true });
    let state: SeqFile = { v: 1, reserved: {}, lastTs: 0 };
    try {
      const parsed = JSON.parse(await readFile(path, 'utf8')) as SeqFile;
      if (parsed && parsed.v === 1 && typeof parsed.reserved === 'object') state = parsed;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new EdgeError('EDGE_SEQ_STORE', `cannot read ${path}: ${(err as Error).message}`, {
          cause: err,
          retriable: false,
        });
      }
    }
    return new SeqStore(path, state, options.blockSize ?? 1000);
  }

  /** Latest timestamp persisted by a previous run (or this one). */
  get lastTs(): number {
    return this.state.lastTs;
  }

  /** The next seq for `device`, durably reserved before it is returned. */
  async take(device: string): Promise<number> {
    const n = this.next.get(device) ?? 0;
    this.next.set(device, n + 1);
    while ((this.durable[device] ?? 0) <= n) {
      if ((this.state.reserved[device] ?? 0) <= n) this.state.reserved[device] = n + this.blockSize;
      this.dirty = true;
      await this.persist();
    }
    if ((this.state.reserved[device] ?? 0) - (n + 1) < this.blockSize / 4) {
      // Reserve the next block ahead, off the hot path.
      this.state.reserved[device] = (this.state.reserved[device] ?? 0) + this.blockSize;
      this.dirty = true;
      void this.persist().catch(() => undefined);
    }
    return n;
  }

  /** Records the newest timestamp stamped (saved with the next reservation or on close). */
  noteTs(ms: number): void {
    if (ms > this.state.lastTs) this.state.lastTs = ms;
  }

  /** Writes the state if anything changed; concurrent callers share one write. */
  async persist(): Promise<void> {
    while (this.writing) await this.writing;
    if (!this.dirty) return;
    this.dirty = false;
    this.writing = this.write().finally(() => {
      this.writing = undefined;
    });
    await this.writing;
  }

  private async write(): Promise<void> {
    const tmp = `${this.path}.tmp`;
    const body = JSON.stringify(this.state);
    const snapshot = { ...this.state.reserved };
    try {
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(body);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, this.path);
      const dir = await open(dirname(this.path) || '.', 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
      this.durable = snapshot;
    } catch (err) {
      this.dirty = true;
      throw new EdgeError('EDGE_SEQ_STORE', `cannot persist ${this.path}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  async close(): Promise<void> {
    this.dirty = true;
    await this.persist();
  }

  static defaultPath(dataDir: string): string {
    return join(dataDir, 'seq.json');
  }
}
