import type { Reading } from '@ysh/common';
import { startProcessor, type Processor } from '@ysh/stream-processor';
import {
  randomTopic,
  startTestBroker,
  type TestBroker,
  testDatabase,
  type TestDatabase,
  waitFor,
} from '@ysh/test-helpers';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultyFleet } from './fleet.ts';
import { produceReadings, testProcessorConfig } from './processor-fixtures.ts';

/** One more reading per device, a second after its last: it stays in the device's open window. */
function nextReadings(readings: Reading[]): Reading[] {
  const last = new Map(readings.map((r) => [r.device, r]));
  return [...last.values()].map((r) => ({ ...r, seq: r.seq + 1, ts: new Date(Date.parse(r.ts) + 1000).toISOString() }));
}

/**
 * A broker and a database with the fleet's readings on a topic, and a processor on them whose checkpoint
 * cadence never comes within a test (state every 1,000th checkpoint, a one-minute tick and commit interval):
 * what is stored was stored because the consumer caught up.
 */
function idleFixture(name: string) {
  const readings = faultyFleet();
  const topic = randomTopic(name);
  const group = `${name}-group`;
  let broker: TestBroker | undefined;
  let db: TestDatabase | undefined;
  let processor: Processor | undefined;
  beforeAll(async () => {
    broker = await startTestBroker();
    db = await testDatabase();
    await produceReadings([broker.brokers], topic, readings, 3);
  });
  afterAll(async () => {
    await processor?.stop().catch(() => {});
    await db?.close();
    await broker?.stop();
  });
  const need = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('the fixture is not started');
    return v;
  };
  return {
    readings,
    group,
    db: () => need(db),
    processor: () => need(processor),
    async start(env: Record<string, string> = {}): Promise<Processor> {
      const config = await testProcessorConfig({
        YSH_PROCESSOR_TOPIC: topic,
        YSH_PROCESSOR_GROUP: group,
        YSH_PROCESSOR_STATE_EVERY: '1000',
        YSH_PROCESSOR_TICK: '60s',
        YSH_PROCESSOR_COMMIT_INTERVAL: '60s',
        ...env,
      });
      processor = await startProcessor(config, {
        pool: need(db).pool,
        brokers: [need(broker).brokers],
        logger: pino({ level: 'silent' }),
      });
      return processor;
    },
    /** Offsets stored for the group, summed over the partitions: the number of readings checkpointed. */
    async stored(): Promise<number> {
      const { rows } = await need(db).pool.query<{ n: string }>(
        'SELECT coalesce(sum(next_offset), 0) AS n FROM processor_partitions WHERE group_id = $1 AND topic = $2',
        [group, topic],
      );
      return Number(rows[0]?.n);
    },
    /** Produces one more reading per device and returns how many. */
    async produceMore(): Promise<number> {
      const more = nextReadings(readings);
      await produceReadings([need(broker).brokers], topic, more, 3);
      return more.length;
    },
  };
}

/**
 * Once the consumer has nothing more to read, device state and offsets are checkpointed right after
 * the last write, or once no batch came for a fetch wait, not at the n-th checkpoint or the next tick:
 * here neither would come, yet the stored offsets reach the end of every partition.
 */
describe('stream processor: an idle consumer checkpoints its state at once', () => {
  const f = idleFixture('idle-checkpoint');

  it('stores offsets covering every reading and every device state without waiting for the cadence', async () => {
    await f.start();
    await waitFor('offsets of every reading stored', async () => (await f.stored()) === f.readings.length, 45_000);
    const { rows } = await f
      .db()
      .pool.query<{ device: string }>('SELECT DISTINCT device FROM processor_devices WHERE group_id = $1', [f.group]);
    expect(rows.map((r) => r.device).sort()).toEqual([...new Set(f.readings.map((r) => r.device))].sort());
  }, 90_000);

  it('stores them too when the last readings give nothing to publish (no window closes, so no write follows)', async () => {
    const windowsBefore = f.processor().core.engine.counters.windowsClosed;
    const more = await f.produceMore();
    await waitFor(
      'offsets of the extra readings stored',
      async () => (await f.stored()) === f.readings.length + more,
      20_000,
    );
    expect(f.processor().core.engine.counters.windowsClosed).toBe(windowsBefore);
  }, 60_000);
});

/**
 * A batch that reads every owned partition to its high watermark leaves nothing more to fetch: the device
 * state and offsets are checkpointed then, without waiting a fetch wait for the proof that no batch follows.
 * With a 20 s fetch wait the quiet check alone would store the burst's end 20 s later (and the test fail).
 */
describe('stream processor: a consumer that has read every partition to its end checkpoints at once', () => {
  const f = idleFixture('caught-up-checkpoint');

  it('stores the offsets of readings that close no window well within one fetch wait', async () => {
    // kafkajs heartbeats between fetches: the session must outlast a fetch that waits.
    const processor = await f.start({ YSH_PROCESSOR_FETCH_WAIT: '20s', YSH_PROCESSOR_SESSION_TIMEOUT: '90s' });
    await waitFor('offsets of every reading stored', async () => (await f.stored()) === f.readings.length, 60_000);
    const windowsBefore = processor.core.engine.counters.windowsClosed;
    const more = await f.produceMore();
    await waitFor(
      'offsets of the extra readings stored before the fetch wait is up',
      async () => (await f.stored()) === f.readings.length + more,
      10_000,
    );
    expect(processor.core.engine.counters.windowsClosed).toBe(windowsBefore);
  }, 120_000);
});
