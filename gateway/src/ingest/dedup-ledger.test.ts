import { RedisKv, type KvStore } from '@ysh/common/kv';
import { MemoryKv } from '@ysh/embedded';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { serviceUrl, sleep } from '@ysh/test-helpers';
import { DedupLedger } from './dedup-ledger.ts';

const stores: Array<{ name: string; enabled: boolean; open: () => KvStore }> = [
  { name: 'memory', enabled: true, open: () => new MemoryKv() },
  {
    name: 'redis',
    enabled: serviceUrl('redis') !== undefined,
    open: () =>
      new RedisKv(serviceUrl('redis') as string, { keyPrefix: `ysh-test-${randomBytes(4).toString('hex')}:` }),
  },
];

for (const s of stores) {
  describe.skipIf(!s.enabled)(`dedup ledger on ${s.name}`, () => {
    const opened: KvStore[] = [];
    const ledger = (pendingTtlMs = 60_000) => {
      const kv = s.open();
      opened.push(kv);
      return new DedupLedger(kv, { horizonMs: 60_000, pendingTtlMs });
    };
    afterAll(async () => {
      for (const kv of opened) await kv.close();
    });

    it('claims new keys, reports stored ones as duplicates and in-flight ones as pending', async () => {
      const l = ledger();
      const keys = ['a:1', 'a:2', 'a:3'].map((k) => DedupLedger.key(k, 1));
      expect(await l.claim(keys)).toEqual(['new', 'new', 'new']);
      expect(await l.claim(keys)).toEqual(['pending', 'pending', 'pending']);
      await l.commit(keys.slice(0, 2));
      expect(await l.claim(keys)).toEqual(['duplicate', 'duplicate', 'pending']);
    });

    it('forgets released claims so a retry after a failed produce is new again', async () => {
      const l = ledger();
      const keys = [DedupLedger.key('b', 7), DedupLedger.key('b', 8)];
      expect(await l.claim(keys)).toEqual(['new', 'new']);
      await l.release(keys);
      expect(await l.claim(keys)).toEqual(['new', 'new']);
    });

    it('forgets a stored reading after the dedup horizon', async () => {
      const kv = s.open();
      opened.push(kv);
      // Long enough that commit and the next claim fall inside it on a loaded machine.
      const horizonMs = 2000;
      const l = new DedupLedger(kv, { horizonMs, pendingTtlMs: 60_000 });
      const keys = [DedupLedger.key('h', 1)];
      expect(await l.claim(keys)).toEqual(['new']);
      await l.commit(keys);
      expect(await l.claim(keys)).toEqual(['duplicate']);
      await sleep(horizonMs + 100);
      expect(await l.claim(keys)).toEqual(['new']);
    });

    it('lets a claim left by a crashed request expire after its short TTL', async () => {
      const l = ledger(50);
      const keys = [DedupLedger.key('c', 1)];
      expect(await l.claim(keys)).toEqual(['new']);
      await new Promise((r) => setTimeout(r, 80));
      expect(await l.claim(keys)).toEqual(['new']);
    });
  });
}
