import { AgentHeartbeats, EnrollmentCodes } from '@ysh/common/fleet';
import { testDatabase, type TestDatabase } from '@ysh/test-helpers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiFixture, apiFixture } from '../testing/fixture.ts';

const VALID = 'devices:\n  - id: inv-9\n    transport: tcp\n    host: 10.0.0.9\n';

/** The edge fleet routes: agents, enrollment codes, remote configuration (allow/deny is in routes.test.ts). */
describe('admin API: edge fleet', () => {
  let db: TestDatabase;
  let f: ApiFixture;
  beforeAll(async () => {
    db = await testDatabase();
    f = await apiFixture(db);
  }, 120_000);
  afterAll(async () => {
    await f?.close();
    await db?.close();
  });

  it('stores configuration versions with their author and refuses an invalid one with the field and line', async () => {
    const put = (body: string, comment?: string) =>
      f.app.inject({
        method: 'PUT',
        url: '/v1/sites/site-a/config',
        headers: f.auth('operator'),
        payload: { body, comment },
      });
    const first = await put(VALID, 'inverter 9');
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ site: 'site-a', version: 1, createdBy: 'operator@example.com' });
    const bad = await put('devices:\n  - id: inv-9\n    transport: tcp\n    host: 10.0.0.9\n    port: 99999\n');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'API_BAD_REQUEST' });
    expect(bad.json().error.message).toContain('config:5: devices[0].port');
    const leak = await put(`gateway:\n  token: ysh_st_abc\n${VALID}`);
    expect(leak.statusCode).toBe(400);
    expect(leak.json().error.message).toContain('gateway.token');
    const got = await f.app.inject({ method: 'GET', url: '/v1/sites/site-a/config', headers: f.auth('viewer') });
    expect(got.json()).toMatchObject({
      version: 1,
      body: VALID,
      comment: 'inverter 9',
      history: [{ version: 1, createdBy: 'operator@example.com' }],
    });
    const none = await f.app.inject({ method: 'GET', url: '/v1/sites/site-b/config', headers: f.auth('viewer') });
    expect(none.statusCode).toBe(404);
    const audit = await db.pool.query<{ action: string; after: unknown; status: number }>(
      "SELECT action, after, status FROM audit_log WHERE action = 'site.config.update' ORDER BY id",
    );
    expect(audit.rows.map((r) => r.status)).toEqual([200, 400, 400]);
    expect(audit.rows[0]?.after).toEqual({ version: 1, comment: 'inverter 9' });
  });

  it('issues enrollment codes that work once, and keeps the code out of the audit log', async () => {
    const res = await f.app.inject({
      method: 'POST',
      url: '/v1/sites/site-a/enroll-codes',
      headers: f.auth('operator'),
      payload: { ttlSeconds: 900 },
    });
    expect(res.statusCode).toBe(201);
    const { code, expiresAt } = res.json() as { code: string; expiresAt: string };
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(880_000);
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThan(920_000);
    const codes = new EnrollmentCodes(db.pool);
    expect((await codes.redeem(code, {}, async () => 'tok')).site).toBe('site-a');
    await expect(codes.redeem(code, {}, async () => 'tok')).rejects.toMatchObject({ code: 'FLEET_ENROLL_CODE_USED' });
    const audit = await db.pool.query("SELECT * FROM audit_log WHERE action = 'site.enroll_code.create'");
    expect(audit.rows).toHaveLength(1);
    expect(JSON.stringify(audit.rows[0])).not.toContain(code);
    const short = await f.app.inject({
      method: 'POST',
      url: '/v1/sites/site-a/enroll-codes',
      headers: f.auth('operator'),
      payload: { ttlSeconds: 30 * 86_400 },
    });
    expect(short.statusCode).toBe(400);
  });

  it('lists agents worst first with their flags, filtered by flag and by the caller scope', async () => {
    const hb = new AgentHeartbeats(db.pool);
    const base = {
      configVersion: 1,
      configError: null,
      uptimeS: 5,
      bufferDepth: 0,
      oldestBufferedAt: null,
      devices: {},
      lastError: null,
      sentAt: new Date().toISOString(),
    };
    await hb.record('site-a', { ...base, agentId: 'a-ok', version: 'ysh-edge/0.2.0' });
    await hb.record('site-a', { ...base, agentId: 'a-old', version: 'ysh-edge/0.1.0' });
    await hb.record(
      'site-b',
      { ...base, agentId: 'b-silent', version: 'ysh-edge/0.2.0' },
      new Date(Date.now() - 3_600_000),
    );
    const list = await f.app.inject({ method: 'GET', url: '/v1/agents?limit=2', headers: f.auth('viewer') });
    expect(list.statusCode).toBe(200);
    const page1 = list.json() as { items: Array<{ agentId: string; flags: string[] }>; nextCursor: string | null };
    expect(page1.items.map((a) => `${a.agentId}:${a.flags.join('+')}`)).toEqual([
      'b-silent:not_reporting',
      'a-old:old_version',
    ]);
    const page2 = await f.app.inject({
      method: 'GET',
      url: `/v1/agents?limit=2&cursor=${page1.nextCursor}`,
      headers: f.auth('viewer'),
    });
    expect(page2.json()).toMatchObject({ items: [{ agentId: 'a-ok', flags: [] }], nextCursor: null });
    const silent = await f.app.inject({
      method: 'GET',
      url: '/v1/agents?flag=not_reporting',
      headers: f.auth('viewer'),
    });
    expect(silent.json().items.map((a: { agentId: string }) => a.agentId)).toEqual(['b-silent']);
    const scoped = await f.app.inject({ method: 'GET', url: '/v1/agents', headers: f.auth('scopedViewer') });
    expect(scoped.json().items.map((a: { site: string }) => a.site)).toEqual(['site-a', 'site-a']);
    const other = await f.app.inject({ method: 'GET', url: '/v1/agents?site=site-b', headers: f.auth('scopedViewer') });
    expect(other.json().items).toEqual([]);
  });

  it("shows a device's SunSpec identity as its own site's agent reported it, never another site's claim", async () => {
    const hb = new AgentHeartbeats(db.pool);
    const beat = {
      version: 'ysh-edge/0.2.0',
      configVersion: 1,
      configError: null,
      uptimeS: 5,
      bufferDepth: 0,
      oldestBufferedAt: null,
      devices: { 'inv-a1': 'online' },
      lastError: null,
      sentAt: new Date().toISOString(),
    };
    const device = async (id: string) => {
      const res = await f.app.inject({ url: `/v1/devices/${id}`, headers: f.auth('viewer') });
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as { sunspec: unknown };
    };
    expect((await device('inv-a1')).sunspec).toBeNull();
    const identity = {
      manufacturer: 'SMA',
      model: 'STP 10000TL-20',
      serial: '1900123456',
      version: '2.81',
      options: null,
    };
    await hb.record('site-a', { ...beat, agentId: 'a-id', identities: { 'inv-a1': identity } });
    await hb.record('site-b', {
      ...beat,
      agentId: 'b-id',
      identities: { 'inv-a1': { ...identity, serial: 'forged' } },
    });
    expect((await device('inv-a1')).sunspec).toEqual(identity);
    const list = await f.app.inject({ url: '/v1/devices?site=site-a', headers: f.auth('viewer') });
    const row = list.json().items.find((d: { id: string }) => d.id === 'inv-a1');
    expect(row.sunspec).toEqual(identity);
  });
});
