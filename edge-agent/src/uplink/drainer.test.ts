import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '@ysh/common';
import { tempDir, type TempDir, waitFor } from '@ysh/test-helpers';
import { SegmentLog } from '../buffer/segment-log.ts';
import { UplinkError } from '../errors.ts';
import { Drainer } from './drainer.ts';
import type { OutgoingBatch, SendResult, UplinkTransport } from './transport.ts';

/** A gateway stand-in that refuses until told to accept (the drainer's side of an outage). */
class SwitchableTransport implements UplinkTransport {
  readonly kind = 'http' as const;
  up = false;
  sent: OutgoingBatch[] = [];
  async send(batch: OutgoingBatch): Promise<SendResult> {
    if (!this.up) throw new UplinkError('EDGE_UPLINK_UNAVAILABLE', 'gateway down');
    this.sent.push(batch);
    return { accepted: batch.readings, duplicates: 0, rejected: [] };
  }
  async close(): Promise<void> {}
}

describe('Drainer.oldestUnsentTs (ysh_edge_oldest_unsent_seconds)', () => {
  let dir: TempDir | undefined;
  afterEach(async () => {
    await dir?.remove();
  });

  it('is the time of the oldest unacknowledged reading while the gateway is down, and clears once it acknowledges', async () => {
    dir = await tempDir('ysh-drainer-');
    const log = await SegmentLog.open(dir.path, { maxBytes: 1 << 20, segmentBytes: 1 << 16 });
    const ts = ['2026-11-21T12:00:00.000Z', '2026-11-21T12:00:02.000Z'];
    await log.append(
      ts.map((t, i) => Buffer.from(JSON.stringify({ v: 1, site: 's', device: 'd', ts: t, seq: i + 1 }))),
    );
    const transport = new SwitchableTransport();
    const drainer = new Drainer(
      log,
      transport,
      { site: 's', batchMaxReadings: 100, retryMinMs: 20, retryMaxMs: 50, lingerMs: 0, agent: 'test' },
      {},
      createLogger('test', { level: 'silent' }),
    );
    drainer.start();
    await waitFor('the first attempt', () => drainer.oldestUnsentTs !== undefined);
    expect(drainer.oldestUnsentTs).toBe(Date.parse(ts[0] as string));
    transport.up = true;
    await waitFor('the batch acknowledged', () => transport.sent.length === 1 && log.backlog === 0);
    expect(drainer.oldestUnsentTs).toBeUndefined();
    await drainer.stop();
    await log.close();
  });
});
