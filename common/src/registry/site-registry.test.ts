import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_KINDS, type TestDatabase } from '@ysh/test-helpers';
import { hashToken, SiteRegistry, TOKEN_PREFIX } from './site-registry.ts';
import { TokenAuthenticator } from './token-authenticator.ts';

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.enabled)(`site registry on ${kind.kind}`, () => {
    let db: TestDatabase;
    let registry: SiteRegistry;
    beforeAll(async () => {
      db = await kind.open();
      registry = new SiteRegistry(db.pool);
    });
    afterAll(async () => {
      await db?.close();
    });

    it('adds a site once and refuses an invalid id naming the field', async () => {
      expect(await registry.addSite('site-a')).toBe(true);
      expect(await registry.addSite('site-a')).toBe(false);
      await expect(registry.addSite('Site A')).rejects.toMatchObject({ code: 'REG_SITE_ID_INVALID' });
      await expect(registry.addSite('Site A')).rejects.toThrow(/site: "Site A" is not a valid site id/);
    });

    it('issues tokens stored only as their SHA-256, and finds the site of a live token', async () => {
      const token = await registry.issueToken('site-a');
      expect(token.startsWith(TOKEN_PREFIX)).toBe(true);
      const { rows } = await db.pool.query<{ token_hash: Buffer }>(
        'SELECT token_hash FROM site_tokens WHERE site_id = $1',
        ['site-a'],
      );
      expect(rows.map((r) => Buffer.from(r.token_hash).toString('hex'))).toContain(hashToken(token).toString('hex'));
      const all = JSON.stringify(rows);
      expect(all).not.toContain(token.slice(TOKEN_PREFIX.length));
      expect(await registry.siteOfToken(token)).toBe('site-a');
      expect(await registry.siteOfToken(`${token}x`)).toBeNull();
      await expect(registry.issueToken('no-such-site')).rejects.toMatchObject({ code: 'REG_SITE_UNKNOWN' });
    });

    it('revokes every token of a site, effective for the very next lookup through the authenticator', async () => {
      await registry.addSite('site-r');
      const t1 = await registry.issueToken('site-r');
      const t2 = await registry.issueToken('site-r');
      const auth = new TokenAuthenticator(registry);
      expect(await auth.siteOf(t1)).toBe('site-r');
      expect(await auth.siteOf(t2)).toBe('site-r');
      expect(await registry.revokeTokens('site-r')).toBe(2);
      expect(await auth.siteOf(t1)).toBeNull();
      expect(await auth.siteOf(t2)).toBeNull();
      const t3 = await registry.issueToken('site-r');
      expect(await auth.siteOf(t3)).toBe('site-r');
    });

    it('shares one query between concurrent lookups of the same token', async () => {
      await registry.addSite('site-c');
      const token = await registry.issueToken('site-c');
      const auth = new TokenAuthenticator(registry);
      const answers = await Promise.all(Array.from({ length: 50 }, () => auth.siteOf(token)));
      expect(new Set(answers)).toEqual(new Set(['site-c']));
      expect(auth.queries).toBe(1);
    });

    it('rotates a token with an overlap window and revokes one token by id', async () => {
      await registry.addSite('site-r');
      const first = await registry.issueTokenWithId('site-r');
      const rotated = await registry.rotateToken('site-r', first.id, 60_000);
      expect(rotated.id).not.toBe(first.id);
      // Inside the overlap window both tokens work.
      expect(await registry.siteOfToken(first.token)).toBe('site-r');
      expect(await registry.siteOfToken(rotated.token)).toBe('site-r');
      expect(await registry.revokeToken('site-r', first.id)).toBe(true);
      expect(await registry.siteOfToken(first.token)).toBeNull();
      expect(await registry.siteOfToken(rotated.token)).toBe('site-r');
      expect(await registry.revokeToken('site-r', first.id)).toBe(false);
      expect(await registry.revokeToken('other', rotated.id)).toBe(false);
      expect(await registry.revokeToken('site-r', 'x; DROP TABLE sites')).toBe(false);
      await expect(registry.rotateToken('site-r', first.id, 0)).rejects.toMatchObject({ code: 'REG_TOKEN_UNKNOWN' });
      const zero = await registry.rotateToken('site-r', rotated.id, 0);
      expect(await registry.siteOfToken(rotated.token)).toBeNull();
      expect(await registry.siteOfToken(zero.token)).toBe('site-r');
    });
  });
}
