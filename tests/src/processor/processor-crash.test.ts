import { spawn, type ChildProcess } from 'node:child_process';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  testDatabase,
  type TestDatabase,
  randomTopic,
  startTestBroker,
  type TestBroker,
  hasTool,
  startVictoriaMetrics,
  type VictoriaMetrics,
  REPO_ROOT,
  YSH_BIN,
  waitFor,
} from '@ysh/test-helpers';
import { readTopic } from '../gateway/harness.ts';
import { postedEvents, startFakeSlack, type FakeSlack } from './fake-slack.ts';
import { faultyFleet } from './fleet.ts';
import {
  EXPECTED_INTERVAL,
  expectedResults,
  produceReadings,
  sameResults,
  settled,
  storedAlerts,
  storedResults,
  WINDOW,
} from './processor-fixtures.ts';

describe.skipIf(!hasTool('victoria-metrics'))('processor killed with SIGKILL mid-stream and restarted', () => {
  let broker: TestBroker;
  let db: TestDatabase;
  let vm: VictoriaMetrics;
  let slack: FakeSlack;
  const children: ChildProcess[] = [];
  const readings = faultyFleet();
  const expected = expectedResults(readings);

  beforeAll(async () => {
    [broker, db, vm, slack] = await Promise.all([
      startTestBroker(),
      testDatabase(),
      startVictoriaMetrics(['-dedup.minScrapeInterval=1ms']),
      startFakeSlack(),
    ]);
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await slack?.close();
    await vm?.stop();
    await db?.close();
    await broker?.stop();
  });

  function spawnProcessor(topic: string): ChildProcess {
    const child = spawn(process.execPath, [YSH_BIN, 'processor', '--port', '0'], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        YSH_LOG_LEVEL: 'warn',
        YSH_DATABASE_URL: db.url,
        YSH_KAFKA_BROKERS: broker.brokers,
        YSH_PROCESSOR_TOPIC: topic,
        YSH_PROCESSOR_GROUP: 'crash-group',
        YSH_PROCESSOR_WINDOW: WINDOW.env,
        YSH_PROCESSOR_EXPECTED_INTERVAL: EXPECTED_INTERVAL.env,
        YSH_PROCESSOR_ENERGY_ACROSS_BOUNDARIES: 'false',
        YSH_PROCESSOR_COMMIT_INTERVAL: '300ms',
        YSH_PROCESSOR_IDLE_TIMEOUT: '4s',
        YSH_PROCESSOR_SESSION_TIMEOUT: '6s',
        YSH_PROCESSOR_SITE_WAIT: '20s',
        YSH_PROCESSOR_CONSOLE_ALERTS: 'false',
        YSH_INFLUX_URL: vm.url,
        YSH_INFLUX_TOKEN: 'test',
        SLACK_BOT_TOKEN: 'xoxb-crash-test',
        YSH_SLACK_API_URL: slack.url,
        YSH_SLACK_CHANNEL: '#alerts',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    // YSH_TEST_CHILD_LOG=1 shows the processor's own log lines.
    if (process.env.YSH_TEST_CHILD_LOG) child.stderr?.pipe(process.stderr);
    else child.stderr?.resume();
    return child;
  }

  it('every window result is in the sinks exactly once, and every notification was sent exactly once', {
    timeout: 150_000,
  }, async () => {
    const topic = randomTopic('telemetry');
    // The first 40% is waiting; the rest arrives while the processor runs.
    const cut = Math.floor(readings.length * 0.4);
    await produceReadings([broker.brokers], topic, readings.slice(0, cut), 6);
    const first = spawnProcessor(topic);
    const producing = (async () => {
      for (let i = cut; i < readings.length; i += 400) {
        await produceReadings([broker.brokers], topic, readings.slice(i, i + 400), 6);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await waitFor('some checkpointed windows', async () => (await storedResults(db.pool)).size > 110, 60_000);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const before = (await storedResults(db.pool)).size;
    expect(before).toBeLessThan(expected.size);

    const second = spawnProcessor(topic);
    await producing;
    await waitFor('every window result', async () => (await storedResults(db.pool)).size === expected.size, 120_000);
    await waitFor('all site windows judged, notifications sent', () => settled(db.pool), 60_000);
    second.kill('SIGTERM');
    await new Promise((r) => second.once('exit', r));
    // Everything was consumed: the group's committed offsets are the end of the topic (-1: an empty partition).
    const kafka = new Kafka({ clientId: 'check', brokers: [broker.brokers], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(topic);
      const [committed] = await admin.fetchOffsets({ groupId: 'crash-group', topics: [topic] });
      const at = (offset: string) => Math.max(0, Number(offset));
      expect(committed?.partitions.map((p) => [p.partition, at(p.offset)]).sort()).toEqual(
        ends.map((e) => [e.partition, Number(e.high)]).sort(),
      );
    } finally {
      await admin.disconnect();
    }

    // PostgreSQL (window_results): the same values as one uninterrupted pass.
    expect(sameResults(expected, await storedResults(db.pool))).toEqual([]);

    // InfluxDB line protocol (VictoriaMetrics): one sample per series and window, with the right count.
    await vm.flush();
    const series = await vm.exportSeries('inverter_5m_samples');
    const points = series.flatMap((s) => s.timestamps.map((t, i) => [`${s.metric.device}@${t}`, s.values[i]] as const));
    expect(new Set(points.map(([k]) => k)).size).toBe(points.length);
    expect(new Map(points)).toEqual(new Map([...expected].map(([k, v]) => [k, v.samples])));

    // Alerts: one per incident; Slack and the topic got each lifecycle event once.
    const alerts = await storedAlerts(db.pool);
    expect(alerts).toHaveLength(2);
    const ids = alerts.map((a) => a.split(' ')[0]);
    const slackEvents = postedEvents(slack.calls);
    expect([...slackEvents].sort()).toEqual(ids.flatMap((id) => [`${id} opened`, `${id} resolved`]).sort());

    // The processor has stopped: read the alerts topic to its end offsets, so a late copy cannot be missed.
    const events = (await readTopic(broker.brokers, 'inverter_alerts')).map((m) => {
      const a = JSON.parse(m.value) as { id: string; event: string };
      return `${a.id} ${a.event}`;
    });
    expect(events.sort()).toEqual([...slackEvents].sort());
  });
});
