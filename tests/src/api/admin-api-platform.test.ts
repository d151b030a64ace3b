import { SHARED_PLATFORM_WAIT_MS, sharedPlatform } from '@ysh/test-helpers/shared-platform.ts';
import { describe, expect, it } from 'vitest';
import { batch, reading } from '../gateway/harness.ts';

/**
 * `npm start` (the shared `ysh start` platform) runs the admin API, prints its URL, its docs URL
 * and the demo admin's credentials; a site token revoked through the API is refused by the running
 * gateway process on the next request.
 */
describe('admin API in the running platform', () => {
  it('revoking a token through the API makes the running gateway refuse it at once', {
    timeout: SHARED_PLATFORM_WAIT_MS + 60_000,
  }, async () => {
    const platform = await sharedPlatform();
    const output = await platform.output();
    const api = platform.urls['admin API']?.find((u) => u.endsWith('/v1'));
    expect(api, output).toBeDefined();
    expect(platform.urls['admin API']?.some((u) => u.endsWith('/docs'))).toBe(true);
    const base = new URL(api as string).origin;
    const demo = /admin API demo user \(shown once, store it now\): (\S+)\s+password (\S+)/.exec(output);
    expect(demo, output).not.toBeNull();
    expect((await fetch(`${base}/docs`)).status).toBe(200);
    expect((await fetch(`${base}/health`)).status).toBe(200);

    const login = await fetch(`${base}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: demo?.[1], password: demo?.[2] }),
    });
    expect(login.status).toBe(200);
    const cookies = Object.fromEntries(
      login.headers.getSetCookie().map((c) => (c.split(';')[0] as string).split('=') as [string, string]),
    );
    const session = { cookie: `ysh_session=${cookies.ysh_session}`, 'x-csrf-token': cookies.ysh_csrf as string };
    const keyRes = await fetch(`${base}/v1/apikeys`, {
      method: 'POST',
      headers: { ...session, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'revocation test' }),
    });
    expect(keyRes.status).toBe(201);
    const auth = {
      authorization: `Bearer ${((await keyRes.json()) as { key: string }).key}`,
      'content-type': 'application/json',
    };

    const site = `api-revoke-${Date.now().toString(36)}`;
    expect(
      (
        await fetch(`${base}/v1/sites`, {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ id: site, name: 'Revocation' }),
        })
      ).status,
    ).toBe(201);
    // No body, so no content-type: Fastify refuses an empty JSON body.
    const issue = await fetch(`${base}/v1/sites/${site}/tokens`, {
      method: 'POST',
      headers: { authorization: auth.authorization },
    });
    const issued = (await issue.json()) as { token: string; id: string };
    expect(issue.status, JSON.stringify(issued)).toBe(201);
    const post = (seq: number) =>
      fetch(`${platform.gatewayUrl}/v1/telemetry`, {
        method: 'POST',
        headers: { authorization: `Bearer ${issued.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(batch(site, [reading(site, `${site}-inv1`, seq)])),
      });
    const before = await post(1);
    expect(before.status, await before.text()).toBe(200);
    const revoked = await fetch(`${base}/v1/sites/${site}/tokens/${issued.id}`, {
      method: 'DELETE',
      headers: { authorization: auth.authorization },
    });
    expect(revoked.status).toBe(204);
    const after = await post(2);
    expect(after.status).toBe(401);
  });
});
