import type { KvStore } from '@ysh/common/kv';

interface Entry {
  value: string | Map<string, number>;
  expiresAt: number;
}

/**
 * In-process KvStore for single-machine mode, with Redis semantics for the
 * operations it offers (TTL in ms, NX, INCRBY on integers, sorted sets).
 * Private to its process: use it only for state that may be lost on a crash.
 */
export class MemoryKv implements KvStore {
  private readonly data = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly now: () => number = Date.now,
    sweepEveryMs = 30_000,
  ) {
    this.sweeper = setInterval(() => this.sweep(), sweepEveryMs);
    this.sweeper.unref();
  }

  private live(key: string): Entry | undefined {
    const entry = this.data.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.data.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep(): void {
    const t = this.now();
    for (const [key, entry] of this.data) if (entry.expiresAt <= t) this.data.delete(key);
  }

  private stringOf(key: string): string | null {
    const entry = this.live(key);
    if (!entry) return null;
    if (typeof entry.value !== 'string')
      throw new Error('WRONGTYPE Operation against a key holding the wrong kind of value');
    return entry.value;
  }

  private zsetOf(key: string, create: boolean): Map<string, number> | undefined {
    const entry = this.live(key);
    if (!entry) {
      if (!create) return undefined;
      const zset = new Map<string, number>();
      this.data.set(key, { value: zset, expiresAt: Infinity });
      return zset;
    }
    if (typeof entry.value === 'string')
      throw new Error('WRONGTYPE Operation against a key holding the wrong kind of value');
    return entry.value;
  }

  async get(key: string) {
    return this.stringOf(key);
  }

  async set(key: string, value: string, ttlMs?: number) {
    this.data.set(key, { value, expiresAt: ttlMs === undefined ? Infinity : this.now() + ttlMs });
  }

  async setIfAbsent(key: string, value: string, ttlMs: number) {
    if (this.live(key)) return false;
    this.data.set(key, { value, expiresAt: this.now() + ttlMs });
    return true;
  }

  async setManyIfAbsent(keys: string[], value: string, ttlMs: number) {
    const out: boolean[] = [];
    for (const key of keys) out.push(await this.setIfAbsent(key, value, ttlMs));
    return out;
  }

  async del(key: string) {
    return this.live(key) !== undefined && this.data.delete(key);
  }

  async incrBy(key: string, by = 1, ttlMs?: number) {
    const current = this.stringOf(key);
    if (current !== null && !/^-?\d+$/.test(current)) throw new Error('ERR value is not an integer or out of range');
    const next = (current === null ? 0 : Number(current)) + by;
    const existing = this.data.get(key);
    const expiresAt =
      current === null ? (ttlMs === undefined ? Infinity : this.now() + ttlMs) : (existing?.expiresAt ?? Infinity);
    this.data.set(key, { value: String(next), expiresAt });
    return next;
  }

  async pttl(key: string) {
    const entry = this.live(key);
    if (!entry) return -2;
    return entry.expiresAt === Infinity ? -1 : entry.expiresAt - this.now();
  }

  async zadd(key: string, score: number, member: string) {
    this.zsetOf(key, true)?.set(member, score);
  }

  async zrangeByScore(key: string, min: number, max: number) {
    const zset = this.zsetOf(key, false);
    if (!zset) return [];
    return [...zset]
      .filter(([, s]) => s >= min && s <= max)
      .sort(([am, as], [bm, bs]) => as - bs || (am < bm ? -1 : am > bm ? 1 : 0))
      .map(([m]) => m);
  }

  async zremRangeByScore(key: string, min: number, max: number) {
    const zset = this.zsetOf(key, false);
    if (!zset) return 0;
    let removed = 0;
    for (const [m, s] of zset) {
      if (s >= min && s <= max) {
        zset.delete(m);
        removed++;
      }
    }
    if (zset.size === 0) this.data.delete(key);
    return removed;
  }

  async zcard(key: string) {
    return this.zsetOf(key, false)?.size ?? 0;
  }

  async ping() {
    return true;
  }

  async close() {
    clearInterval(this.sweeper);
    this.data.clear();
  }
}
