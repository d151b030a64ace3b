import { Redis } from 'ioredis';
import type { KvStore } from './kv-store.ts';

/** KvStore on Redis through ioredis. */
export class RedisKv implements KvStore {
  readonly redis: Redis;

  constructor(url: string, options: { keyPrefix?: string } = {}) {
    this.redis = new Redis(url, {
      keyPrefix: options.keyPrefix ?? 'ysh:',
      maxRetriesPerRequest: 2,
      enableAutoPipelining: true,
    });
    // Connection errors surface on the commands that fail; the client reconnects by itself.
    this.redis.on('error', () => {});
  }

  get(key: string) {
    return this.redis.get(key);
  }

  async set(key: string, value: string, ttlMs?: number) {
    if (ttlMs === undefined) await this.redis.set(key, value);
    else await this.redis.set(key, value, 'PX', ttlMs);
  }

  async setIfAbsent(key: string, value: string, ttlMs: number) {
    return (await this.redis.set(key, value, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async setManyIfAbsent(keys: string[], value: string, ttlMs: number) {
    if (keys.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const key of keys) pipeline.set(key, value, 'PX', ttlMs, 'NX');
    const results = (await pipeline.exec()) ?? [];
    return results.map(([err, res]) => {
      if (err) throw err;
      return res === 'OK';
    });
  }

  async del(key: string) {
    return (await this.redis.del(key)) > 0;
  }

  async incrBy(key: string, by = 1, ttlMs?: number) {
    if (ttlMs === undefined) return this.redis.incrby(key, by);
    const results = await this.redis.multi().incrby(key, by).pexpire(key, ttlMs, 'NX').exec();
    const [err, value] = results?.[0] ?? [];
    if (err) throw err;
    return Number(value);
  }

  pttl(key: string) {
    return this.redis.pttl(key);
  }

  async zadd(key: string, score: number, member: string) {
    await this.redis.zadd(key, score, member);
  }

  zrangeByScore(key: string, min: number, max: number) {
    return this.redis.zrangebyscore(key, min, max);
  }

  zremRangeByScore(key: string, min: number, max: number) {
    return this.redis.zremrangebyscore(key, min, max);
  }

  zcard(key: string) {
    return this.redis.zcard(key);
  }

  async ping() {
    try {
      return (await this.redis.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close() {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
