import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { startProcessor, type Processor } from '@ysh/stream-processor';
import {
  testDatabase,
  type TestDatabase,
  randomTopic,
  startTestBroker,
  type TestBroker,
  waitFor,
} from '@ysh/test-helpers';
import { faultyFleet } from './fleet.ts';
import {
  expectedResults,
  produceReadings,
  sameResults,
  storedAlerts,
  storedResults,
  testProcessorConfig,
  settled,
} from './processor-fixtures.ts';

const silent = pino({ level: 'silent' });

describe('stream processor on the embedded Kafka broker', () => {
  let broker: TestBroker;
  const dbs: TestDatabase[] = [];
  const processors: Processor[] = [];
  const readings = faultyFleet();
  const expected = expectedResults(readings);
  let topic: string;

  beforeAll(async () => {
    broker = await startTestBroker();
    topic = randomTopic('telemetry');
    await produceReadings([broker.brokers], topic, readings, 6);
  });
  afterAll(async () => {
    for (const p of processors) await p.stop().catch(() => {});
    for (const d of dbs) await d.close().catch(() => {});
    await broker?.stop();
  });

  async function run(group: string, instances: number) {
    const db = await testDatabase();
    dbs.push(db);
    // Small fetches: each partition takes many batches, so the fetch position must advance batch by batch.
    const config = await testProcessorConfig({
      YSH_PROCESSOR_TOPIC: topic,
      YSH_PROCESSOR_GROUP: group,
      YSH_PROCESSOR_FETCH_BYTES: '32768',
    });
    const mine: Processor[] = [];
    for (let i = 0; i < instances; i++) {
      const p = await startProcessor(config, { pool: db.pool, brokers: [broker.brokers], logger: silent });
      processors.push(p);
      mine.push(p);
    }
    await waitFor('every window result', async () => (await storedResults(db.pool)).size === expected.size, 90_000);
    await waitFor('every site window judged and every notification sent', () => settled(db.pool), 60_000);
    for (const p of mine) await p.stop();
    return { results: await storedResults(db.pool), alerts: await storedAlerts(db.pool), db };
  }

  let one: Awaited<ReturnType<typeof run>>;

  it('one instance: every (device, window) result exactly as computed, one alert per injected incident', {
    timeout: 150_000,
  }, async () => {
    one = await run('group-one', 1);
    expect(sameResults(expected, one.results)).toEqual([]);
    expect(one.alerts.map((a) => a.split(' ').slice(1, 3).join(' ')).sort()).toEqual([
      'fault_state site-b/inv-b2',
      'over_temperature site-a/inv-a3',
    ]);
    expect(one.alerts.every((a) => a.endsWith('resolved'))).toBe(true);
    const { rows } = await one.db.pool.query<{ n: string }>(
      "SELECT count(*) AS n FROM notification_outbox WHERE channel = 'kafka' AND delivered_at IS NOT NULL",
    );
    expect(Number(rows[0]?.n)).toBe(4);
  });

  it('two instances in one group over 6 partitions give the same results and alerts as one', {
    timeout: 150_000,
  }, async () => {
    expect(one).toBeDefined();
    // Two instances in one group over 6 partitions (joining one after the other: a rebalance mid-stream).
    const two = await run('group-two', 2);
    expect(sameResults(expected, two.results)).toEqual([]);
    expect(two.alerts).toEqual(one.alerts);
  });
});
