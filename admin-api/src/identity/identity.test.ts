import { DATABASE_KINDS, type TestDatabase } from '@ysh/test-helpers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiFixture, apiFixture } from '../testing/fixture.ts';
import { hashPassword, verifyPassword } from './passwords.ts';

function cookiesOf(setCookie: string | string[] | undefined): Record<string, string> {
  const list = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  return Object.fromEntries(list.map((c) => (c.split(';')[0] as string).split('=') as [string, string]));
}

describe('passwords', () => {
  it('hashes with scrypt, salted, and verifies only the right password', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterY', a)).toBe(false);
    expect(await verifyPassword('x', 'scrypt$1$8$1$AAAA$BBBB')).toBe(false);
    expect(await verifyPassword('x', 'md5$abc')).toBe(false);
  });
});

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.enabled)(`sessions, CSRF and API keys on ${kind.kind}`, () => {
    let db: TestDatabase;
    let f: ApiFixture;
    beforeAll(async () => {
      db = await kind.open();
      f = await apiFixture(db);
    }, 300_000);
    afterAll(async () => {
      await f?.close();
      await db?.close();
    });

    const login = (email: string, password: string) =>
      f.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } });

    it('logs in with an HttpOnly SameSite=Strict session cookie and a readable CSRF cookie', async () => {
      const res = await login('operator@example.com', 'operator-password-123');
      expect(res.statusCode).toBe(200);
      expect(res.json().user).toMatchObject({ email: 'operator@example.com', role: 'operator', sites: null });
      const raw = res.headers['set-cookie'] as string[];
      const session = raw.find((c) => c.startsWith('ysh_session='));
      const csrf = raw.find((c) => c.startsWith('ysh_csrf='));
      expect(session).toMatch(/HttpOnly/);
      expect(session).toMatch(/SameSite=Strict/);
      expect(session).toMatch(/Path=\//);
      expect(csrf).not.toMatch(/HttpOnly/);
      const c = cookiesOf(raw);
      const cookie = `ysh_session=${c.ysh_session}; ysh_csrf=${c.ysh_csrf}`;
      expect((await f.app.inject({ url: '/v1/me', headers: { cookie } })).json()).toMatchObject({ role: 'operator' });
      // A mutation without the CSRF header is refused; with it, it goes through.
      const body = { text: 'checked on site' };
      const no = await f.app.inject({
        method: 'POST',
        url: '/v1/alerts/al-a1/comments',
        headers: { cookie },
        payload: body,
      });
      expect(no.statusCode).toBe(403);
      expect(no.json().error.code).toBe('API_CSRF');
      const wrong = await f.app.inject({
        method: 'POST',
        url: '/v1/alerts/al-a1/comments',
        headers: { cookie, 'x-csrf-token': 'forged' },
        payload: body,
      });
      expect(wrong.statusCode).toBe(403);
      const ok = await f.app.inject({
        method: 'POST',
        url: '/v1/alerts/al-a1/comments',
        headers: { cookie, 'x-csrf-token': c.ysh_csrf as string },
        payload: body,
      });
      expect(ok.statusCode).toBe(201);
      expect(ok.json().comments.at(-1)).toMatchObject({ by: 'operator@example.com', text: 'checked on site' });
      const out = await f.app.inject({
        method: 'POST',
        url: '/v1/auth/logout',
        headers: { cookie, 'x-csrf-token': c.ysh_csrf as string },
      });
      expect(out.statusCode).toBe(204);
      expect((await f.app.inject({ url: '/v1/me', headers: { cookie } })).statusCode).toBe(401);
    });

    it('refuses a wrong password, an unknown user and a disabled user alike', async () => {
      expect((await login('operator@example.com', 'nope-nope-nope')).json().error.code).toBe('API_LOGIN_FAILED');
      expect((await login('nobody@example.com', 'nope-nope-nope')).statusCode).toBe(401);
      const created = await f.app.inject({
        method: 'POST',
        url: '/v1/users',
        headers: f.auth('admin'),
        payload: { email: 'temp@example.com', password: 'temporary-password', role: 'viewer' },
      });
      expect(created.statusCode).toBe(201);
      const id = created.json().id as string;
      const s = await login('temp@example.com', 'temporary-password');
      expect(s.statusCode).toBe(200);
      const c = cookiesOf(s.headers['set-cookie']);
      const key = await f.app.inject({
        method: 'POST',
        url: '/v1/apikeys',
        headers: { cookie: `ysh_session=${c.ysh_session}`, 'x-csrf-token': c.ysh_csrf as string },
        payload: { name: 'temp' },
      });
      const apiKey = key.json().key as string;
      expect(apiKey).toMatch(/^ysh_k_[0-9a-f]{8}_/);
      expect((await f.app.inject({ url: '/v1/me', headers: { authorization: `Bearer ${apiKey}` } })).statusCode).toBe(
        200,
      );
      const disabled = await f.app.inject({
        method: 'PATCH',
        url: `/v1/users/${id}`,
        headers: f.auth('admin'),
        payload: { disabled: true },
      });
      expect(disabled.json().disabled).toBe(true);
      expect((await login('temp@example.com', 'temporary-password')).statusCode).toBe(401);
      expect(
        (await f.app.inject({ url: '/v1/me', headers: { cookie: `ysh_session=${c.ysh_session}` } })).statusCode,
      ).toBe(401);
      expect((await f.app.inject({ url: '/v1/me', headers: { authorization: `Bearer ${apiKey}` } })).statusCode).toBe(
        401,
      );
    });

    it('stores API keys hashed, records their last use and refuses them once revoked', async () => {
      const created = await f.app.inject({
        method: 'POST',
        url: '/v1/apikeys',
        headers: f.auth('viewer'),
        payload: { name: 'grafana' },
      });
      const { key, apiKey } = created.json() as { key: string; apiKey: { id: string; prefix: string } };
      expect(key.startsWith(apiKey.prefix)).toBe(true);
      const stored = await f.pool.query<{ key_hash: Buffer }>('SELECT key_hash FROM api_keys WHERE id = $1', [
        apiKey.id,
      ]);
      expect(stored.rows[0]?.key_hash.toString('utf8')).not.toContain(key.slice(6));
      expect((await f.app.inject({ url: '/v1/me', headers: { authorization: `Bearer ${key}` } })).statusCode).toBe(200);
      const list = (await f.app.inject({ url: '/v1/apikeys', headers: f.auth('viewer') })).json() as {
        items: Array<{ id: string; lastUsedAt: string | null }>;
      };
      expect(list.items.find((k) => k.id === apiKey.id)?.lastUsedAt).not.toBeNull();
      // Another (non-admin) user cannot revoke it; its owner can.
      expect(
        (await f.app.inject({ method: 'DELETE', url: `/v1/apikeys/${apiKey.id}`, headers: f.auth('operator') }))
          .statusCode,
      ).toBe(404);
      expect(
        (await f.app.inject({ method: 'DELETE', url: `/v1/apikeys/${apiKey.id}`, headers: f.auth('viewer') }))
          .statusCode,
      ).toBe(204);
      expect((await f.app.inject({ url: '/v1/me', headers: { authorization: `Bearer ${key}` } })).statusCode).toBe(401);
    });
  });
}
