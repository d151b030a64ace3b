import { randomUUID } from 'node:crypto';
import { createContractValidator, createLogger } from '@ysh/common';
import { MemoryKv } from '@ysh/embedded';
import { captureLogs, sampleReading, type TestDatabase, testDatabase } from '@ysh/test-helpers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchingProducer, type SendBatch } from '../kafka/batching-producer.ts';
import { createGatewayMetrics } from '../metrics.ts';
import { DeviceOwnership } from '../registry/device-ownership.ts';
import { DedupLedger } from './dedup-ledger.ts';
import { Ingestor } from './ingestor.ts';

/** The in-process store with one injected fault: deletes fail while `failDeletes` is set (a KV gone away). */
class FailingDeletes extends MemoryKv {
  failDeletes = false;
  override async del(key: string): Promise<boolean> {
    if (this.failDeletes) throw new Error('kv connection lost');
    return super.del(key);
  }
}

describe('Ingestor', () => {
  let db: TestDatabase;
  const kv = new FailingDeletes();
  beforeAll(async () => {
    db = await testDatabase();
    await db.pool.query("INSERT INTO sites (id) VALUES ('site-a')");
  });
  afterAll(async () => {
    await kv.close();
    await db?.close();
  });

  it('logs a failed release of its dedup claims when a batch meets a pending one, and still answers GW_DEDUP_PENDING', async () => {
    const logs = captureLogs();
    const ledger = new DedupLedger(kv, { horizonMs: 60_000, pendingTtlMs: 60_000 });
    const sent: unknown[] = [];
    const send: SendBatch = async (batch) => sent.push(batch);
    const ingestor = new Ingestor({
      validator: createContractValidator(),
      ownership: new DeviceOwnership(db.pool, { policy: 'auto-register', cacheMs: 0 }),
      ledger,
      producer: new BatchingProducer(send, {
        maxInFlightBytes: 1 << 20,
        maxRequestBytes: 1 << 20,
        lingerMs: 0,
        produceTimeoutMs: 5000,
        retryAfterSeconds: 1,
      }),
      metrics: createGatewayMetrics({ defaultMetrics: false }),
      logger: createLogger('gateway', { destination: logs.destination }),
      retryAfterSeconds: 1,
    });
    // Another request holds reading 2 of inv-1 right now.
    expect(await ledger.claim([DedupLedger.key('inv-1', 2)])).toEqual(['new']);
    kv.failDeletes = true;
    const batchId = randomUUID();
    const body = {
      v: 1,
      batchId,
      site: 'site-a',
      readings: [1, 2].map((seq) => sampleReading({ site: 'site-a', device: 'inv-1', seq })),
    };

    await expect(ingestor.ingest('site-a', body, 'http')).rejects.toMatchObject({ code: 'GW_DEDUP_PENDING' });

    const lines = logs.find('releasing dedup claims after a pending conflict failed');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 40,
      site: 'site-a',
      batchId,
      claims: 1,
      err: { message: 'kv connection lost' },
    });
    // What the line warns of: reading 1's claim stays pending until its TTL; nothing went to Kafka.
    expect(await kv.get(DedupLedger.key('inv-1', 1))).toBe('p');
    expect(sent).toEqual([]);
  });
});
