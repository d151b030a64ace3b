import { randomBytes } from 'node:crypto';
import { RedisKv, type KvStore } from '@ysh/common/kv';
import { MemoryKv } from '@ysh/embedded';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceUrl, sleep } from '@ysh/test-helpers';

const redisUrl = serviceUrl('redis');
const KINDS: Array<{ kind: string; enabled: boolean; open: () => KvStore }> = [
  { kind: 'in-process store', enabled: true, open: () => new MemoryKv() },
  {
    kind: 'Redis',
    enabled: redisUrl !== undefined,
    open: () => new RedisKv(redisUrl as string, { keyPrefix: `ysh-test-${randomBytes(4).toString('hex')}:` }),
  },
];

for (const target of KINDS) {
  describe.skipIf(!target.enabled)(`key-value contract on the ${target.kind}`, () => {
    let kv: KvStore;
    beforeAll(() => {
      kv = target.open();
    });
    afterAll(async () => {
      await kv.close();
    });

    it('gets and sets strings, and deletes them', async () => {
      expect(await kv.get('a')).toBeNull();
      await kv.set('a', 'one');
      expect(await kv.get('a')).toBe('one');
      expect(await kv.pttl('a')).toBe(-1);
      expect(await kv.del('a')).toBe(true);
      expect(await kv.del('a')).toBe(false);
      expect(await kv.pttl('a')).toBe(-2);
    });

    // TTLs of seconds: every step before the expiry falls inside them on a loaded machine.
    it('sets if absent, once, until the TTL expires', async () => {
      expect(await kv.setIfAbsent('dedup:inv-1:7', '1', 2000)).toBe(true);
      expect(await kv.setIfAbsent('dedup:inv-1:7', '2', 2000)).toBe(false);
      expect(await kv.get('dedup:inv-1:7')).toBe('1');
      const ttl = await kv.pttl('dedup:inv-1:7');
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(2000);
      await sleep(2100);
      expect(await kv.get('dedup:inv-1:7')).toBeNull();
      expect(await kv.setIfAbsent('dedup:inv-1:7', '3', 2000)).toBe(true);
    });

    it('sets many if absent in one call, answering per key in order', async () => {
      await kv.setIfAbsent('m:2', 'x', 10_000);
      expect(await kv.setManyIfAbsent(['m:1', 'm:2', 'm:3', 'm:1'], '1', 10_000)).toEqual([true, false, true, false]);
      expect(await kv.setManyIfAbsent([], '1', 10_000)).toEqual([]);
    });

    it('counts with INCRBY, the TTL set only when the counter is created', async () => {
      expect(await kv.incrBy('rate:site-1', 1, 2000)).toBe(1);
      expect(await kv.incrBy('rate:site-1', 5, 60_000)).toBe(6);
      expect(await kv.pttl('rate:site-1')).toBeLessThanOrEqual(2000);
      await sleep(2100);
      expect(await kv.incrBy('rate:site-1')).toBe(1);
      await kv.set('not-a-number', 'abc');
      await expect(kv.incrBy('not-a-number')).rejects.toThrow(/not an integer/);
    });

    it('keeps sorted sets ordered by score, with range removal', async () => {
      await kv.zadd('z', 30, 'c');
      await kv.zadd('z', 10, 'a');
      await kv.zadd('z', 20, 'b');
      await kv.zadd('z', 15, 'a');
      expect(await kv.zrangeByScore('z', 0, 100)).toEqual(['a', 'b', 'c']);
      expect(await kv.zrangeByScore('z', 16, 25)).toEqual(['b']);
      expect(await kv.zcard('z')).toBe(3);
      expect(await kv.zremRangeByScore('z', 0, 20)).toBe(2);
      expect(await kv.zrangeByScore('z', -Infinity, Infinity)).toEqual(['c']);
      expect(await kv.zrangeByScore('missing', 0, 1)).toEqual([]);
    });

    it('answers ping', async () => {
      expect(await kv.ping()).toBe(true);
    });
  });
}
