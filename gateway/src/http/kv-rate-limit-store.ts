import type { KvStore } from '@ysh/common/kv';

type IncrCallback = (err: Error | null, result?: { current: number; ttl: number }) => void;

/**
 * A @fastify/rate-limit store on the KvStore: fixed windows counted with
 * INCRBY + TTL, so the limit is shared by every gateway instance when Redis
 * is configured (and per process with the embedded store).
 */
export function kvRateLimitStore(kv: KvStore, windowMs: number, now: () => number = Date.now) {
  return class KvRateLimitStore {
    incr(key: string, cb: IncrCallback, timeWindow: number = windowMs): void {
      const t = now();
      const window = Math.floor(t / timeWindow);
      const ttl = (window + 1) * timeWindow - t;
      kv.incrBy(`gw:rl:${key}:${window}`, 1, timeWindow + 1000).then(
        (current) => cb(null, { current, ttl }),
        (err: unknown) => cb(err instanceof Error ? err : new Error(String(err))),
      );
    }
    child(): KvRateLimitStore {
      return new KvRateLimitStore();
    }
  };
}
