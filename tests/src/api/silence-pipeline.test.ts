import { spawn, type ChildProcess } from 'node:child_process';
import { buildApp, IdentityStore } from '@ysh/admin-api';
import { createLogger } from '@ysh/common';
import {
  randomTopic,
  REPO_ROOT,
  startTestBroker,
  type TestBroker,
  type TestDatabase,
  testDatabase,
  waitFor,
  YSH_BIN,
} from '@ysh/test-helpers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTopic } from '../gateway/harness.ts';
import { type FakeSlack, postedEvents, startFakeSlack } from '../processor/fake-slack.ts';
import { faultyFleet } from '../processor/fleet.ts';
import { EXPECTED_INTERVAL, produceReadings, settled, WINDOW } from '../processor/processor-fixtures.ts';

/**
 * A silence set through the admin API mutes Slack for the matching alerts in a real pipeline run
 * (broker → `ysh processor` process → outbox → Slack stand-in), while the alerts are still stored
 * and still published to the inverter_alerts topic. The faulty fleet has one incident per site.
 */
describe('a silence set through the admin API in a real pipeline run', () => {
  let broker: TestBroker;
  let db: TestDatabase;
  let slack: FakeSlack;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    [broker, db, slack] = await Promise.all([startTestBroker(), testDatabase(), startFakeSlack()]);
  }, 180_000);
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await slack?.close();
    await db?.close();
    await broker?.stop();
  }, 60_000);

  it('suppresses the Slack notification of a matching new alert; the alert is stored', {
    timeout: 200_000,
  }, async () => {
    // The operator silences site-b through the API before the fault happens.
    await db.pool.query(`INSERT INTO sites (id, name) VALUES ('site-a', 'A'), ('site-b', 'B')`);
    const identity = new IdentityStore(db.pool, { sessionTtlMs: 60_000 });
    const user = await identity.addUser({ email: 'ops@example.com', password: 'ops-password-123', role: 'operator' });
    const { key } = await identity.createApiKey(user.id, 'test');
    const app = await buildApp({
      pool: db.pool,
      logger: createLogger('api-test', { level: 'silent' }),
      config: {
        bodyLimitBytes: 65_536,
        requestTimeoutMs: 5000,
        connectionTimeoutMs: 5000,
        rateLimit: { max: 1000, windowMs: 60_000 },
        sessionTtlMs: 60_000,
        secureCookies: false,
        corsOrigins: [],
        tokenOverlapMs: 0,
        consoleDir: undefined,
        eventPollMs: 100,
      },
    });
    const silence = await app.inject({
      method: 'POST',
      url: '/v1/silences',
      headers: { authorization: `Bearer ${key}` },
      payload: {
        site: 'site-b',
        until: new Date(Date.now() + 3600_000).toISOString(),
        reason: 'inverter swap on site-b',
      },
    });
    expect(silence.statusCode, silence.body).toBe(201);
    await app.close();

    const topic = randomTopic('telemetry');
    await produceReadings([broker.brokers], topic, faultyFleet(), 6);
    child = spawn(process.execPath, [YSH_BIN, 'processor', '--port', '0'], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        YSH_LOG_LEVEL: 'warn',
        YSH_DATABASE_URL: db.url,
        YSH_KAFKA_BROKERS: broker.brokers,
        YSH_PROCESSOR_TOPIC: topic,
        YSH_PROCESSOR_GROUP: 'silence-group',
        YSH_PROCESSOR_WINDOW: WINDOW.env,
        YSH_PROCESSOR_EXPECTED_INTERVAL: EXPECTED_INTERVAL.env,
        YSH_PROCESSOR_IDLE_TIMEOUT: '4s',
        YSH_PROCESSOR_SITE_WAIT: '20s',
        YSH_PROCESSOR_CONSOLE_ALERTS: 'false',
        SLACK_BOT_TOKEN: 'xoxb-silence-test',
        YSH_SLACK_API_URL: slack.url,
        YSH_SLACK_CHANNEL: '#alerts',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    if (process.env.YSH_TEST_CHILD_LOG) child.stderr?.pipe(process.stderr);
    else child.stderr?.resume();

    await waitFor(
      'both incidents resolved and every notification sent',
      async () => {
        const { rows } = await db.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM alerts WHERE state = 'resolved'`,
        );
        return (rows[0]?.n ?? 0) >= 2 && (await settled(db.pool));
      },
      150_000,
    );
    child.kill('SIGTERM');
    await new Promise((r) => child?.once('exit', r));

    const { rows: alerts } = await db.pool.query<{ id: string; site: string }>(
      'SELECT id, site FROM alerts ORDER BY site',
    );
    expect(alerts.map((a) => a.site)).toEqual(['site-a', 'site-b']);
    const a = alerts[0] as { id: string };
    const b = alerts[1] as { id: string };
    const posted = postedEvents(slack.calls);
    // site-a's incident reached Slack; site-b's (silenced) did not, though it is stored.
    expect(posted.sort()).toEqual([`${a.id} opened`, `${a.id} resolved`]);
    const outbox = await db.pool.query<{ channel: string }>(
      'SELECT DISTINCT channel FROM notification_outbox WHERE alert_id = $1',
      [b.id],
    );
    expect(outbox.rows.map((r) => r.channel)).not.toContain('slack');
    // The data channel (inverter_alerts) still carries both incidents.
    const events = (await readTopic(broker.brokers, 'inverter_alerts')).map(
      (m) => JSON.parse(m.value) as { id: string; event: string },
    );
    expect(new Set(events.map((e) => e.id))).toEqual(new Set([a.id, b.id]));
  });
});
