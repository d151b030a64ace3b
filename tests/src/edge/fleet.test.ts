import { stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, TOPICS, type Reading } from '@ysh/common';
import { AgentHeartbeats, EnrollmentCodes, SiteConfigs } from '@ysh/common/fleet';
import { enroll, fleetPath, readEnrollment, startEnrolledAgent, type EnrolledAgent } from '@ysh/edge-agent';
import { startSimulator, type Simulator } from '@ysh/firmware-sim';
import { stringify } from 'yaml';
import { captureLogs, NOON, tempDir, type TempDir, waitFor } from '@ysh/test-helpers';
import { type Harness, readTopic, startHarness } from '../gateway/harness.ts';

const SITE = 'site-fleet-01';

function devicesYaml(devices: { id: string; port?: number; unitId?: number }[]): string {
  return stringify({
    defaults: { interval: '100ms', timeout: '500ms', retries: 1 },
    gateway: { retryMin: '50ms', retryMax: '300ms', linger: '10ms' },
    devices: devices.map((d) => ({ id: d.id, transport: 'tcp', host: '127.0.0.1', port: d.port, unitId: d.unitId })),
  });
}

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as { code: string; message: string };
  }
  throw new Error('expected a failure');
}

/**
 * The edge fleet against the real gateway (embedded Kafka broker, PGlite): one-time enrollment,
 * the platform's configuration applied live by a running agent, and the fleet view fed by heartbeats.
 */
describe('edge fleet: enrollment, remote configuration, heartbeats', () => {
  let h: Harness;
  let dir: TempDir;
  let codes: EnrollmentCodes;
  let configs: SiteConfigs;
  const gatewayLogs = captureLogs();
  const agentLogs = captureLogs();
  let token = '';

  beforeAll(async () => {
    h = await startHarness(
      { YSH_GATEWAY_PRODUCE_TIMEOUT: '500ms', YSH_GATEWAY_RETRY_AFTER: '1', YSH_GATEWAY_ENROLL_RATE_LIMIT: '12' },
      { logger: createLogger('gateway', { level: 'debug', destination: gatewayLogs.destination }) },
    );
    await h.gateway.registry.addSite(SITE);
    codes = new EnrollmentCodes(h.db.pool);
    configs = new SiteConfigs(h.db.pool);
    dir = await tempDir();
  }, 180_000); // broker, PGlite and gateway on a shared, loaded machine

  afterAll(async () => {
    await h?.close();
    await dir?.remove();
  });

  it('enrolls a box with a one-time code; the token is stored 0600 and works; used, expired and wrong codes are refused in one line', async () => {
    const { code } = await codes.create(SITE, { ttlMs: 600_000, createdBy: 'test' });
    const e = await enroll({ gateway: h.gateway.url, code, dataDir: dir.path, agentId: 'box-01' });
    expect(e).toMatchObject({ site: SITE, gateway: h.gateway.url, agentId: 'box-01' });
    const stored = await readEnrollment(dir.path);
    token = stored?.token ?? '';
    expect(token).toMatch(/^ysh_st_/);
    expect(await h.gateway.registry.siteOfToken(token)).toBe(SITE);
    expect((await stat(fleetPath(dir.path, 'token'))).mode & 0o777).toBe(0o600);
    expect((await stat(fleetPath(dir.path, 'enrollment'))).mode & 0o777).toBe(0o600);
    expect((await stat(`${dir.path}/edge`)).mode & 0o777).toBe(0o700);

    const other = await tempDir();
    try {
      const used = await failure(enroll({ gateway: h.gateway.url, code, dataDir: other.path }));
      expect(used.code).toBe('EDGE_ENROLL_REFUSED');
      expect(used.message).toMatch(/already used/);
      const wrong = await failure(enroll({ gateway: h.gateway.url, code: 'ZZZZ-ZZZZ-ZZZZ', dataDir: other.path }));
      expect(wrong.message).toMatch(/not recognised/);
      const old = await codes.create(SITE, { ttlMs: 60_000, createdBy: 'test' });
      await h.db.pool.query(
        "UPDATE site_enroll_codes SET expires_at = now() - interval '1 second' WHERE used_at IS NULL",
      );
      const expired = await failure(enroll({ gateway: h.gateway.url, code: old.code, dataDir: other.path }));
      expect(expired.message).toMatch(/expired/);
      for (const f of [used, wrong, expired]) expect(f.message).not.toContain('\n');
      // Nothing was written for the refused box; the enrolled one is not enrolled twice by accident.
      expect(await readEnrollment(other.path)).toBeUndefined();
      const again = await failure(enroll({ gateway: h.gateway.url, code, dataDir: dir.path }));
      expect(again.message).toMatch(/already enrolled/);
    } finally {
      await other.remove();
    }
    expect((await codes.attempts()).map((a) => a.outcome)).toEqual(['expired', 'unknown', 'used', 'enrolled']);
  });

  describe('a running enrolled agent', () => {
    let sim: Simulator;
    let agent: EnrolledAgent;
    const stored: Reading[] = [];
    const heartbeats = () => new AgentHeartbeats(h.db.pool).list({ notReportingAfterMs: 5_000 });

    beforeAll(async () => {
      sim = await startSimulator({ devices: 2, port: 0, seed: 7, speed: 60, start: NOON });
      await configs.put(SITE, devicesYaml(sim.devices.slice(0, 1)), { createdBy: 'ana@example.com' });
      agent = await startEnrolledAgent({
        dataDir: dir.path,
        port: 0,
        heartbeatMs: 200,
        logger: createLogger('edge-agent', { level: 'debug', destination: agentLogs.destination }),
        onStored: (rs) => stored.push(...rs),
      });
    }, 60_000);

    afterAll(async () => {
      await agent?.stop();
      await sim?.close();
    });

    it('runs version 1 and shows in the fleet view with its version, config version and devices', async () => {
      await waitFor('version 1 applied', () => agent.state().configVersion === 1, 20_000);
      await waitFor(
        'readings flowing',
        () => agent.agent.metrics.readingsSent.get().then((m) => (m.values[0]?.value ?? 0) > 20),
        30_000,
      );
      await waitFor(
        'heartbeat with version 1 and the device online',
        async () => {
          const a = (await heartbeats())[0];
          return a?.configVersion === 1 && a.devices[sim.devices[0]?.id as string] === 'online';
        },
        20_000,
      );
      const [a] = await heartbeats();
      expect(a).toMatchObject({ site: SITE, agentId: 'box-01', version: 'ysh-edge/0.1.0', flags: [], lastError: null });
      expect(Math.abs(a?.clockOffsetMs ?? 1e9)).toBeLessThan(5_000);
      // what the inverter said about itself at discovery (SunSpec model 1), now known centrally
      const first = sim.devices[0] as { id: string; index: number };
      expect(a?.identities[first.id]).toMatchObject({
        manufacturer: 'YSH Simulated',
        serial: `YSH${String(first.index).padStart(8, '0')}`,
        options: 'simulated',
      });
      expect(a?.identities[first.id]?.version).toEqual(expect.any(String));
    });

    it('a device added in the platform is polled without a restart, and buffered readings survive the reload', async () => {
      const second = sim.devices[1]?.id as string;
      await h.broker.close();
      await waitFor('a backlog while Kafka is down', () => agent.agent.log.backlog > 50, 30_000);
      const beforeReload = stored.filter((r) => r.device !== second).map((r) => `${r.device}#${r.seq}`);
      const backlogAtReload = agent.agent.log.backlog;
      await configs.put(SITE, devicesYaml(sim.devices), { createdBy: 'bruno@example.com', comment: 'second inverter' });
      await waitFor('version 2 applied', () => agent.state().configVersion === 2, 20_000);
      await waitFor('the new device stores readings', () => stored.some((r) => r.device === second), 20_000);
      // Kafka is still down: nothing was acknowledged, so the whole earlier backlog is still there.
      expect(agent.agent.log.backlog).toBeGreaterThanOrEqual(backlogAtReload);
      await waitFor(
        'fleet view shows version 2 and a buffer',
        async () => {
          const a = (await heartbeats())[0];
          return a?.configVersion === 2 && a.bufferDepth > 0 && a.oldestBufferedAt !== null;
        },
        20_000,
      );

      await h.restartBroker();
      for (const d of sim.devices) sim.injectFault(d.id, { type: 'comm-loss' });
      await new Promise((r) => setTimeout(r, 1000));
      await waitFor('backlog drained', () => agent.agent.log.backlog === 0, 60_000);
      const inTopic = new Set(
        (await readTopic(h.broker.brokers, TOPICS.telemetry)).map((m) => {
          const r = JSON.parse(m.value) as Reading;
          return `${r.device}#${r.seq}`;
        }),
      );
      const missing = beforeReload.filter((k) => !inTopic.has(k));
      expect(missing).toEqual([]);
      expect([...inTopic].some((k) => k.startsWith(`${second}#`))).toBe(true);
      for (const d of sim.devices) sim.clearFault(d.id, 'all');
    });

    it('a configuration that fails on the agent leaves the previous one running and shows the error in the fleet view', async () => {
      // Bypasses the API's validation, as a document stored by an older platform could.
      await h.db.pool.query(
        "INSERT INTO site_configs (site_id, version, body, created_by) VALUES ($1, 3, 'devices:\n  - id: BAD ID\n    transport: tcp\n', 'sql')",
        [SITE],
      );
      await waitFor(
        'the refusal reported',
        async () => ((await heartbeats())[0]?.configError ?? '').includes('version 3 refused'),
        20_000,
      );
      const [a] = await heartbeats();
      expect(a?.configVersion).toBe(2);
      expect(a?.lastError).toContain('devices[0].id');
      expect(agent.agent.config.devices).toHaveLength(2);
      // A valid version 4 clears the error.
      await configs.put(SITE, devicesYaml(sim.devices.slice(1)), { createdBy: 'ana@example.com' });
      await waitFor(
        'version 4 applied',
        async () => {
          const b = (await heartbeats())[0];
          return b?.configVersion === 4 && b.configError === null;
        },
        20_000,
      );
      expect(agent.agent.config.devices.map((d) => d.id)).toEqual([sim.devices[1]?.id]);
    });

    it('never logs the site token (agent and gateway)', () => {
      expect(token.length).toBeGreaterThan(20);
      const all = [...agentLogs.lines(), ...gatewayLogs.lines()].map((l) => JSON.stringify(l));
      expect(all.length).toBeGreaterThan(5);
      expect(all.filter((l) => l.includes(token))).toEqual([]);
      expect(gatewayLogs.find('agent enrolled')).toHaveLength(1);
    });
  });

  it('enrollment attempts are rate limited per address and the refusals recorded', async () => {
    const other = await tempDir();
    try {
      let limited: { code: string; message: string } | undefined;
      for (let i = 0; i < 20 && !limited; i++) {
        const f = await failure(
          enroll({ gateway: h.gateway.url, code: `AAAA-BBBB-${String(i).padStart(4, '0')}`, dataDir: other.path }),
        );
        if (f.code === 'EDGE_ENROLL_UNREACHABLE') limited = f;
        else expect(f.message).toMatch(/not recognised/);
      }
      expect(limited?.message).toMatch(/too many enrollment attempts.*try again/);
      await waitFor(
        'the refusal recorded',
        async () => (await codes.attempts()).some((a) => a.outcome === 'rate_limited'),
        5_000,
      );
    } finally {
      await other.remove();
    }
  });
});
