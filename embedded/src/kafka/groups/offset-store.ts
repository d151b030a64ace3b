import { closeSync, existsSync, fdatasync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';

export interface CommittedOffset {
  offset: number;
  metadata: string | null;
  commitTimestamp: number;
}

interface Line {
  g: string;
  t: string;
  p: number;
  o: number;
  m: string | null;
  ts: number;
}

/**
 * Committed consumer-group offsets, kept in memory and persisted as an
 * append-only JSON-lines file (`offsets.jsonl`). A torn last line from a crash is
 * ignored; the file is compacted to one line per partition at every start and
 * whenever it grows past `compactBytes`.
 */
export class OffsetStore {
  private readonly byGroup = new Map<string, Map<string, Map<number, CommittedOffset>>>();
  private readonly path: string;
  private fd: number;
  private size = 0;
  private dirty = false;

  constructor(
    dataDir: string,
    logger: Logger,
    private readonly compactBytes = 16 * 1024 * 1024,
  ) {
    this.path = join(dataDir, 'offsets.jsonl');
    let lines = 0;
    if (existsSync(this.path)) {
      for (const text of readFileSync(this.path, 'utf8').split('\n')) {
        if (text.trim() === '') continue;
        try {
          const l = JSON.parse(text) as Line | { deleted: string };
          if ('deleted' in l) this.byGroup.delete(l.deleted);
          else this.put(l.g, l.t, l.p, { offset: l.o, metadata: l.m, commitTimestamp: l.ts });
          lines++;
        } catch {
          logger.warn({ path: this.path }, 'ignoring a torn line in the committed-offsets file');
        }
      }
    }
    this.fd = this.compact();
    logger.debug({ lines, groups: this.byGroup.size }, 'committed offsets loaded');
  }

  /** Rewrites the file with one line per (group, topic, partition), swaps it in atomically and reopens it. */
  private compact(): number {
    const tmp = `${this.path}.tmp`;
    const tfd = openSync(tmp, 'w');
    const body = [...this.lines()].map((l) => `${JSON.stringify(l)}\n`).join('');
    if (body.length > 0) writeSync(tfd, body);
    fsyncSync(tfd);
    closeSync(tfd);
    renameSync(tmp, this.path);
    this.size = Buffer.byteLength(body);
    this.dirty = false;
    return openSync(this.path, 'a');
  }

  private *lines(): Generator<Line> {
    for (const [g, topics] of this.byGroup) {
      for (const [t, parts] of topics) {
        for (const [p, c] of parts) yield { g, t, p, o: c.offset, m: c.metadata, ts: c.commitTimestamp };
      }
    }
  }

  private put(group: string, topic: string, partition: number, value: CommittedOffset): void {
    let topics = this.byGroup.get(group);
    if (!topics) {
      topics = new Map();
      this.byGroup.set(group, topics);
    }
    let parts = topics.get(topic);
    if (!parts) {
      parts = new Map();
      topics.set(topic, parts);
    }
    parts.set(partition, value);
  }

  commit(
    group: string,
    entries: { topic: string; partition: number; offset: number; metadata: string | null }[],
  ): void {
    const now = Date.now();
    let text = '';
    for (const e of entries) {
      const value = { offset: e.offset, metadata: e.metadata, commitTimestamp: now };
      this.put(group, e.topic, e.partition, value);
      text += `${JSON.stringify({ g: group, t: e.topic, p: e.partition, o: e.offset, m: e.metadata, ts: now })}\n`;
    }
    if (text.length > 0) {
      this.size += writeSync(this.fd, text);
      this.dirty = true;
    }
    if (this.size > this.compactBytes) {
      closeSync(this.fd);
      this.fd = this.compact();
    }
  }

  /** Forgets every committed offset of a group (a tombstone line until the next compaction). */
  deleteGroup(group: string): void {
    if (!this.byGroup.delete(group)) return;
    this.size += writeSync(this.fd, `${JSON.stringify({ deleted: group })}\n`);
    this.dirty = true;
  }

  get(group: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.byGroup.get(group)?.get(topic)?.get(partition);
  }

  /** Every committed partition of a group, by topic. */
  all(group: string): Map<string, Map<number, CommittedOffset>> {
    return this.byGroup.get(group) ?? new Map();
  }

  groups(): string[] {
    return [...this.byGroup.keys()];
  }

  sync(): Promise<void> {
    if (!this.dirty) return Promise.resolve();
    this.dirty = false;
    const fd = this.fd;
    // A compaction may have closed this fd meanwhile; its replacement was fsynced whole.
    return new Promise((resolve, reject) => fdatasync(fd, (err) => (err && fd === this.fd ? reject(err) : resolve())));
  }

  close(): void {
    try {
      fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
    }
  }
}
