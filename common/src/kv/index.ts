export type { KvStore } from './kv-store.ts';
export { RedisKv } from './redis-kv.ts';
