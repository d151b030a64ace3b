/**
 * The few Redis operations the platform needs, behind one interface with two
 * implementations: `RedisKv` (ioredis, shared between processes) and the
 * embedded `MemoryKv` (private to its process). Nothing that must survive a
 * crash or be shared between instances may live only in the memory store.
 */
export interface KvStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** SET NX PX: true when the key was absent and is now set. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** setIfAbsent for many keys in one round trip; result per key, same order. */
  setManyIfAbsent(keys: string[], value: string, ttlMs: number): Promise<boolean[]>;
  del(key: string): Promise<boolean>;
  /** INCRBY; a ttl is set only when the counter is created. */
  incrBy(key: string, by?: number, ttlMs?: number): Promise<number>;
  /** Remaining time to live in ms; -1 without expiry, -2 when the key does not exist. */
  pttl(key: string): Promise<number>;
  zadd(key: string, score: number, member: string): Promise<void>;
  zrangeByScore(key: string, min: number, max: number): Promise<string[]>;
  zremRangeByScore(key: string, min: number, max: number): Promise<number>;
  zcard(key: string): Promise<number>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
