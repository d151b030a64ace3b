import { DATABASE_KINDS, type TestDatabase } from '@ysh/test-helpers';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnrollmentCodes, normalizeEnrollCode } from './enrollment.ts';
import { FleetError, SiteConfigError } from './errors.ts';
import { AgentHeartbeats, compareVersions, parseHeartbeat, type Heartbeat } from './heartbeats.ts';
import { parseRemoteSiteConfig, validateRemoteSiteConfig } from './site-config.ts';
import { SiteConfigs } from './site-configs.ts';

const UPLINK = { site: 'site-a', url: 'http://gw.example:7000', token: 'ysh_st_secret' };
const DEVICES = `devices:
  - id: inv-1
    transport: tcp
    host: 10.0.0.5
`;

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as FleetError).code;
  }
  return undefined;
}

describe('remote site configuration', () => {
  it('takes the site, gateway and token from the enrollment, uplink tuning from the platform', () => {
    const c = parseRemoteSiteConfig(`${DEVICES}gateway:\n  batchMaxReadings: 100\n  timeout: 5s\n`, UPLINK);
    expect(c.site).toBe('site-a');
    expect(c.gateway).toMatchObject({
      url: UPLINK.url,
      token: UPLINK.token,
      transport: 'http',
      batchMaxReadings: 100,
      timeoutMs: 5000,
    });
    expect(c.devices.map((d) => d.id)).toEqual(['inv-1']);
  });

  it('refuses a token, URL or transport in the platform copy, and another site, naming the line', () => {
    const text = `site: site-b\ngateway:\n  token: abc\n  url: http://elsewhere\n${DEVICES}`;
    let err: SiteConfigError | undefined;
    try {
      parseRemoteSiteConfig(text, UPLINK);
    } catch (e) {
      err = e as SiteConfigError;
    }
    expect(err).toBeInstanceOf(SiteConfigError);
    const fields = err?.problems.map((p) => `${p.field}@${p.line}`);
    expect(fields).toEqual(expect.arrayContaining(['site@1', 'gateway.token@3', 'gateway.url@4']));
    expect(err?.message).toContain('set on the box by its enrollment');
  });

  it('reports device mistakes with the line of the platform document', () => {
    let err: SiteConfigError | undefined;
    try {
      validateRemoteSiteConfig(`devices:\n  - id: inv-1\n    transport: tcp\n    host: h\n    port: 70000\n`, 'site-a');
    } catch (e) {
      err = e as SiteConfigError;
    }
    expect(err?.code).toBe('FLEET_CONFIG_INVALID');
    expect(err?.problems[0]).toMatchObject({ field: 'devices[0].port', line: 5 });
  });

  it('an empty device list is a valid configuration (a site set up before its inverters)', () => {
    expect(validateRemoteSiteConfig('devices: []\n', 'site-a').devices).toEqual([]);
  });
});

describe('heartbeat parsing (untrusted input)', () => {
  const good: Heartbeat = {
    agentId: 'box-1',
    version: 'ysh-edge/0.1.0',
    configVersion: 3,
    configError: null,
    uptimeS: 12,
    bufferDepth: 0,
    oldestBufferedAt: null,
    devices: { 'inv-1': 'online' },
    sentAt: new Date().toISOString(),
    lastError: null,
  };

  it('accepts the documented shape and names the wrong field otherwise', () => {
    expect(parseHeartbeat(good)).toEqual(good);
    const bad = { ...good, bufferDepth: -1 };
    expect(() => parseHeartbeat(bad)).toThrow(/bufferDepth/);
    expect(codeOf(() => parseHeartbeat({ ...good, extra: 1 }))).toBe('FLEET_HEARTBEAT_INVALID');
  });

  it('any JSON value gives a heartbeat or a FLEET_HEARTBEAT_INVALID, never another error', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc
            .record({ agentId: fc.string(), uptimeS: fc.double(), devices: fc.dictionary(fc.string(), fc.jsonValue()) })
            .map((x) => ({ ...good, ...x })),
        ),
        (v) => {
          try {
            parseHeartbeat(v);
          } catch (err) {
            expect(err).toBeInstanceOf(FleetError);
            expect((err as FleetError).code).toBe('FLEET_HEARTBEAT_INVALID');
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('compares versions numerically', () => {
    expect(compareVersions('ysh-edge/0.10.0', 'ysh-edge/0.9.3')).toBeGreaterThan(0);
    expect(compareVersions('ysh-edge/0.1.0', 'ysh-edge/0.1.0')).toBe(0);
    expect(compareVersions('ysh-edge/0.1.0', 'ysh-edge/0.2.0')).toBeLessThan(0);
  });

  it('enrollment codes read the same whatever the case, dashes and look-alike letters', () => {
    expect(normalizeEnrollCode('ab1o-xyz0 ')).toBe(normalizeEnrollCode('AB10XYZO'));
  });
});

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.enabled)(`fleet stores on ${kind.kind}`, () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await kind.open();
      await db.pool.query("INSERT INTO sites (id) VALUES ('site-a'), ('site-b'), ('site-c')");
    }, 180_000); // PGlite start and migrations on a shared, loaded machine
    afterAll(async () => {
      await db?.close();
    });

    it('an enrollment code works once, for its site; reuse, expiry and a wrong code are refused and recorded', async () => {
      const codes = new EnrollmentCodes(db.pool);
      let n = 0;
      const issue = async (site: string) => `token-${site}-${++n}`;
      const { code, expiresAt } = await codes.create('site-a', { ttlMs: 3_600_000, createdBy: 'test' });
      expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
      expect(expiresAt.getTime()).toBeGreaterThan(Date.now() + 3_500_000);
      expect(await codes.redeem(code.toLowerCase(), { agentId: 'box-1', remote: '10.1.1.1' }, issue)).toEqual({
        site: 'site-a',
        token: 'token-site-a-1',
      });
      await expect(codes.redeem(code, { agentId: 'box-2' }, issue)).rejects.toMatchObject({
        code: 'FLEET_ENROLL_CODE_USED',
      });
      await expect(codes.redeem('0000-0000-0000', {}, issue)).rejects.toMatchObject({
        code: 'FLEET_ENROLL_CODE_UNKNOWN',
      });
      const old = await codes.create('site-b', { ttlMs: 60_000, createdBy: 'test' });
      await db.pool.query(
        "UPDATE site_enroll_codes SET expires_at = now() - interval '1 second' WHERE site_id = 'site-b'",
      );
      await expect(codes.redeem(old.code, {}, issue)).rejects.toMatchObject({ code: 'FLEET_ENROLL_CODE_EXPIRED' });
      await expect(codes.create('nope', { ttlMs: 60_000, createdBy: 'test' })).rejects.toMatchObject({
        code: 'FLEET_SITE_UNKNOWN',
      });
      const outcomes = (await codes.attempts()).map((a) => `${a.outcome}:${a.site}`);
      expect(outcomes).toEqual(['expired:site-b', 'unknown:', 'used:site-a', 'enrolled:site-a']);
      const stored = await db.pool.query<{ n: string }>(
        'SELECT count(*) AS n FROM site_enroll_codes WHERE code_hash = $1',
        [Buffer.from(code)],
      );
      expect(Number(stored.rows[0]?.n)).toBe(0); // only a hash is kept
    });

    it('concurrent redeemers of one code: exactly one gets a token', async () => {
      const codes = new EnrollmentCodes(db.pool);
      const { code } = await codes.create('site-a', { ttlMs: 60_000, createdBy: 'test' });
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) => codes.redeem(code, { agentId: `box-${i}` }, async () => `t${i}`)),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    });

    it('a token that cannot be issued gives the code back', async () => {
      const codes = new EnrollmentCodes(db.pool);
      const { code } = await codes.create('site-a', { ttlMs: 60_000, createdBy: 'test' });
      await expect(
        codes.redeem(code, {}, async () => {
          throw new Error('registry down');
        }),
      ).rejects.toThrow('registry down');
      expect((await codes.redeem(code, {}, async () => 'later')).token).toBe('later');
    });

    it('site configurations are versioned with their author; an invalid one is refused and stores nothing', async () => {
      const configs = new SiteConfigs(db.pool);
      const v1 = await configs.put('site-a', DEVICES, { createdBy: 'ana@example.com', comment: 'first inverter' });
      const v2 = await configs.put('site-a', `${DEVICES}  - id: inv-2\n    transport: tcp\n    host: 10.0.0.6\n`, {
        createdBy: 'bruno@example.com',
      });
      expect([v1.version, v2.version]).toEqual([1, 2]);
      await expect(configs.put('site-a', 'devices:\n  - id: BAD ID\n', { createdBy: 'x' })).rejects.toMatchObject({
        code: 'FLEET_CONFIG_INVALID',
      });
      await expect(
        configs.put('site-a', 'gateway:\n  token: leak\ndevices: []\n', { createdBy: 'x' }),
      ).rejects.toBeInstanceOf(SiteConfigError);
      await expect(configs.put('nope', DEVICES, { createdBy: 'x' })).rejects.toMatchObject({
        code: 'FLEET_SITE_UNKNOWN',
      });
      expect((await configs.get('site-a'))?.version).toBe(2);
      expect((await configs.get('site-a', 1))?.body).toBe(DEVICES);
      expect((await configs.history('site-a')).map((v) => `${v.version}:${v.createdBy}`)).toEqual([
        '2:bruno@example.com',
        '1:ana@example.com',
      ]);
      expect(await configs.latestVersion('site-b')).toBeUndefined();
      const raced = await Promise.all([1, 2, 3].map((i) => configs.put('site-b', DEVICES, { createdBy: `w${i}` })));
      expect(raced.map((v) => v.version).sort()).toEqual([1, 2, 3]);
    });

    it('the fleet view flags agents not reporting, behind or on an old version, worst first', async () => {
      const hb = new AgentHeartbeats(db.pool);
      const now = Date.now();
      const base = {
        configVersion: 2,
        configError: null,
        uptimeS: 100,
        bufferDepth: 0,
        oldestBufferedAt: null,
        devices: { 'inv-1': 'online' },
        lastError: null,
      };
      await hb.record(
        'site-a',
        { ...base, agentId: 'fresh', version: 'ysh-edge/0.2.0', sentAt: new Date(now + 1500).toISOString() },
        new Date(now),
      );
      await hb.record(
        'site-a',
        { ...base, agentId: 'silent', version: 'ysh-edge/0.2.0', sentAt: new Date(now - 600_000).toISOString() },
        new Date(now - 600_000),
      );
      await hb.record(
        'site-b',
        {
          ...base,
          agentId: 'behind-old',
          version: 'ysh-edge/0.1.0',
          bufferDepth: 5000,
          oldestBufferedAt: new Date(now - 3_600_000).toISOString(),
          lastError: 'uplink: HTTP 503',
          sentAt: new Date(now).toISOString(),
        },
        new Date(now),
      );
      const list = await hb.list({ now, notReportingAfterMs: 180_000, behindAfterMs: 900_000 });
      expect(list.map((a) => `${a.agentId}:${a.flags.join('+')}`)).toEqual([
        'silent:not_reporting',
        'behind-old:behind+old_version',
        'fresh:',
      ]);
      const fresh = list.find((a) => a.agentId === 'fresh');
      expect(fresh?.clockOffsetMs).toBe(1500);
      expect(fresh?.lastHeartbeatAt).toBe(new Date(now).toISOString());
      expect((await hb.list({ now, sites: ['site-b'] })).map((a) => a.agentId)).toEqual(['behind-old']);
      expect(
        (await hb.list({ now, currentVersion: 'ysh-edge/0.3.0' })).every((a) => a.flags.includes('old_version')),
      ).toBe(true);
      // A later beat replaces the row: the silent agent is back.
      await hb.record(
        'site-a',
        { ...base, agentId: 'silent', version: 'ysh-edge/0.2.0', sentAt: new Date(now).toISOString() },
        new Date(now),
      );
      expect((await hb.list({ now })).find((a) => a.agentId === 'silent')?.flags).toEqual([]);
      expect((await hb.lastOfSite('site-a'))?.at.toISOString()).toBe(new Date(now).toISOString());
      expect(await hb.lastOfSite('nope')).toBeUndefined();
    });

    it('keeps the SunSpec identity each agent reports for its devices; a beat without identities keeps them', async () => {
      const hb = new AgentHeartbeats(db.pool);
      const beat = {
        agentId: 'box-id',
        version: 'ysh-edge/0.2.0',
        configVersion: null,
        configError: null,
        uptimeS: 5,
        bufferDepth: 0,
        oldestBufferedAt: null,
        devices: { 'inv-7': 'online' },
        lastError: null,
        sentAt: new Date().toISOString(),
      };
      const identity = {
        manufacturer: 'Fronius',
        model: 'Primo 5.0-1',
        serial: 'FR-0007',
        version: '3.14.1',
        options: null,
      };
      await hb.record('site-c', parseHeartbeat({ ...beat, identities: { 'inv-7': identity } }));
      const ofC = async () => (await hb.list({ sites: ['site-c'] }))[0]?.identities;
      expect(await ofC()).toEqual({ 'inv-7': identity });
      // an older agent's beat (no identities field) does not erase what is known
      await hb.record('site-c', parseHeartbeat(beat));
      expect(await ofC()).toEqual({ 'inv-7': identity });
      // a newer report replaces it (firmware updated)
      await hb.record(
        'site-c',
        parseHeartbeat({ ...beat, identities: { 'inv-7': { ...identity, version: '3.15.0' } } }),
      );
      expect((await ofC())?.['inv-7']?.version).toBe('3.15.0');
      expect(() =>
        parseHeartbeat({ ...beat, identities: { 'inv-7': { ...identity, serial: 'x'.repeat(65) } } }),
      ).toThrow(/identities/);
    });
  });
}
