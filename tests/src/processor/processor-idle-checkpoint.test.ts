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

/**
 * Once the consumer has nothing more to read, device state and offsets are checkpointed right after
 * the last write, or once no batch came for a fetch wait, not at the n-th checkpoint or the next tick:
 * here neither would come (state every 1,000th checkpoint, a one-minute tick and commit interval), yet
 * the stored offsets reach the end of every partition.
 */
describe('stream processor: an idle consumer checkpoints its state at once', () => {
  let broker: TestBroker;
  let db: TestDatabase;
  let processor: Processor | undefined;
  const readings = faultyFleet();
  const topic = randomTopic('idle-checkpoint');
  let stored: () => Promise<number> = async () => 0;

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

  it('stores offsets covering every reading and every device state without waiting for the cadence', async () => {
    const config = await testProcessorConfig({
      YSH_PROCESSOR_TOPIC: topic,
      YSH_PROCESSOR_GROUP: 'idle-group',
      YSH_PROCESSOR_STATE_EVERY: '1000',
      YSH_PROCESSOR_TICK: '60s',
      YSH_PROCESSOR_COMMIT_INTERVAL: '60s',
    });
    processor = await startProcessor(config, {
      pool: db.pool,
      brokers: [broker.brokers],
      logger: pino({ level: 'silent' }),
    });
    stored = async () => {
      const { rows } = await db.pool.query<{ n: string }>(
        'SELECT coalesce(sum(next_offset), 0) AS n FROM processor_partitions WHERE group_id = $1 AND topic = $2',
        ['idle-group', topic],
      );
      return Number(rows[0]?.n);
    };
    await waitFor('offsets of every reading stored', async () => (await stored()) === readings.length, 45_000);
    const { rows } = await db.pool.query<{ device: string }>(
      'SELECT DISTINCT device FROM processor_devices WHERE group_id = $1',
      ['idle-group'],
    );
    expect(rows.map((r) => r.device).sort()).toEqual([...new Set(readings.map((r) => r.device))].sort());
  }, 90_000);

  it('stores them too when the last readings give nothing to publish (no window closes, so no write follows)', async () => {
    // One more reading per device, a second after its last: it stays in the device's open window.
    const last = new Map(readings.map((r) => [r.device, r]));
    const more = [...last.values()].map((r) => ({
      ...r,
      seq: r.seq + 1,
      ts: new Date(Date.parse(r.ts) + 1000).toISOString(),
    }));
    const windowsBefore = processor?.core.engine.counters.windowsClosed;
    await produceReadings([broker.brokers], topic, more, 3);
    await waitFor(
      'offsets of the extra readings stored',
      async () => (await stored()) === readings.length + more.length,
      20_000,
    );
    expect(processor?.core.engine.counters.windowsClosed).toBe(windowsBefore);
  }, 60_000);
});
