import {
  appendFileSync,
  fdatasync,
  fdatasyncSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@ysh/common';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../protocol/error-codes.ts';
import { decodeRecords, encodeBatch } from '../protocol/records.ts';
import type { DataSync } from './data-sync.ts';
import { type LogConfig, PartitionLog } from './partition-log.ts';
import { ProducerState } from './producer-state.ts';

const logger = createLogger('test', { level: 'silent' });
const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ysh-plog-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const config: LogConfig = {
  segmentBytes: 4096,
  indexIntervalBytes: 256,
  retentionMs: undefined,
  retentionBytes: undefined,
};

function batch(from: number, n: number, extra: Parameters<typeof encodeBatch>[1] = {}): Buffer {
  return encodeBatch(
    Array.from({ length: n }, (_, i) => ({
      key: Buffer.from(`k${from + i}`),
      value: Buffer.from(`value-${from + i}`),
    })),
    extra,
  );
}

function readAll(log: PartitionLog, from = log.logStartOffset): string[] {
  const values: string[] = [];
  let offset = from;
  while (offset < log.nextOffset) {
    const r = log.read(offset, 1000);
    expect(r.errorCode).toBe(0);
    let at = 0;
    const buf = Buffer.concat(r.chunks);
    while (at < buf.length) {
      const size = 12 + buf.readInt32BE(at + 8);
      for (const rec of decodeRecords(buf.subarray(at, at + size))) {
        if (rec.offset >= offset) values.push(rec.value!.toString());
      }
      offset = Number(buf.readBigInt64BE(at)) + buf.readInt32BE(at + 23) + 1;
      at += size;
    }
  }
  return values;
}

describe('PartitionLog', () => {
  it('assigns offsets by rewriting the batch base offset and reads from any offset across segments', () => {
    const log = PartitionLog.open(tempDir(), config, logger, true);
    let next = 0;
    for (let i = 0; i < 60; i++) {
      const r = log.append(batch(next, 3));
      expect(r).toMatchObject({ errorCode: 0, baseOffset: next });
      next += 3;
    }
    expect(log.nextOffset).toBe(180);
    expect(log.segmentCount).toBeGreaterThanOrEqual(2);
    expect(readAll(log)).toEqual(Array.from({ length: 180 }, (_, i) => `value-${i}`));
    expect(readAll(log, 101)).toEqual(Array.from({ length: 79 }, (_, i) => `value-${i + 101}`));
    // Closed segments release their descriptors: only the active one and the one last read stay open.
    expect(log.segmentsWithOpenFiles).toBeLessThanOrEqual(2);
    expect(log.read(181, 100).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect(log.read(180, 100)).toMatchObject({ errorCode: 0, bytes: 0 });
    log.close();
  });

  it('refuses appends and reads once closed (topic deleted or broker stopping)', () => {
    const log = PartitionLog.open(tempDir(), config, logger, true);
    log.append(batch(0, 1));
    log.close();
    expect(log.append(batch(1, 1)).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(log.read(0, 100).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(log.segmentsWithOpenFiles).toBe(0);
  });

  it('returns a first batch larger than maxBytes whole', () => {
    const log = PartitionLog.open(tempDir(), config, logger, true);
    log.append(encodeBatch([{ value: Buffer.alloc(3000, 1) }]));
    const r = log.read(0, 10);
    expect(r.bytes).toBeGreaterThan(3000);
    log.close();
  });

  it('keeps data and offsets across a clean restart', () => {
    const dir = tempDir();
    const log = PartitionLog.open(dir, config, logger, true);
    for (let i = 0; i < 30; i++) log.append(batch(i * 2, 2));
    log.close();
    const again = PartitionLog.open(dir, config, logger, true);
    expect(again.segmentsWithOpenFiles).toBe(1);
    expect(again.nextOffset).toBe(60);
    expect(readAll(again)).toHaveLength(60);
    expect(again.append(batch(60, 1))).toMatchObject({ baseOffset: 60 });
    again.close();
  });

  it('truncates a torn tail after a crash and keeps every complete batch', () => {
    const dir = tempDir();
    const log = PartitionLog.open(dir, { ...config, segmentBytes: 1 << 20 }, logger, true);
    for (let i = 0; i < 10; i++) log.append(batch(i * 2, 2));
    log.close();
    const segment = join(dir, readdirSync(dir).find((n) => n.endsWith('.log'))!);
    const intact = statSync(segment).size;
    // A batch cut half-way, as a crash during write would leave it.
    const torn = batch(20, 5);
    torn.writeBigInt64BE(20n, 0);
    appendFileSync(segment, torn.subarray(0, 40));
    const recovered = PartitionLog.open(dir, config, logger, false);
    expect(recovered.nextOffset).toBe(20);
    expect(statSync(segment).size).toBe(intact);
    expect(readAll(recovered)).toEqual(Array.from({ length: 20 }, (_, i) => `value-${i}`));
    expect(recovered.append(batch(20, 1))).toMatchObject({ baseOffset: 20 });
    recovered.close();
  });

  it('drops a tail batch whose CRC does not match (garbage written before a power loss)', () => {
    const dir = tempDir();
    const log = PartitionLog.open(dir, { ...config, segmentBytes: 1 << 20 }, logger, true);
    for (let i = 0; i < 5; i++) log.append(batch(i, 1));
    log.close();
    const segment = join(dir, readdirSync(dir).find((n) => n.endsWith('.log'))!);
    const bad = batch(5, 1);
    bad.writeBigInt64BE(5n, 0);
    bad[bad.length - 1]! ^= 0xff;
    appendFileSync(segment, bad);
    const recovered = PartitionLog.open(dir, config, logger, false);
    expect(recovered.nextOffset).toBe(5);
    recovered.close();
    // An index pointing past the truncated log is repaired too.
    writeFileSync(join(dir, readdirSync(dir).find((n) => n.endsWith('.index'))!), Buffer.alloc(64, 0x7f));
    truncateSync(segment, statSync(segment).size);
    const again = PartitionLog.open(dir, config, logger, false);
    expect(readAll(again)).toHaveLength(5);
    again.close();
  });

  it('reports a log whose flush failed as not on disk, on close or at any sync before it', async () => {
    let failNext = 0;
    const eio = () => Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    const flaky: DataSync = {
      sync: (fd) => {
        if (failNext-- > 0) throw eio();
        fdatasyncSync(fd);
      },
      syncAsync: (fd, done) => (failNext-- > 0 ? process.nextTick(done, eio()) : fdatasync(fd, done)),
    };
    const healthy = PartitionLog.open(tempDir(), config, logger, true, flaky);
    healthy.append(batch(0, 1));
    await healthy.sync();
    expect(healthy.close()).toBe(true);

    const failsOnClose = PartitionLog.open(tempDir(), config, logger, true, flaky);
    failsOnClose.append(batch(0, 1));
    failNext = 1;
    expect(failsOnClose.close()).toBe(false);
    expect(failsOnClose.closed).toBe(true);
    expect(failsOnClose.close()).toBe(false);

    // A flush that succeeds after a failed one proves nothing (the kernel may have dropped the pages).
    const failedEarlier = PartitionLog.open(tempDir(), config, logger, true, flaky);
    failedEarlier.append(batch(0, 1));
    failNext = 1;
    await expect(failedEarlier.sync()).rejects.toMatchObject({ code: 'EIO' });
    failedEarlier.append(batch(1, 1));
    await failedEarlier.sync();
    expect(failedEarlier.close()).toBe(false);
  });

  it('deduplicates a retried idempotent batch and rejects a sequence gap', () => {
    const log = PartitionLog.open(tempDir(), config, logger, true);
    const first = log.append(batch(0, 3, { producerId: 7, producerEpoch: 0, baseSequence: 0 }));
    expect(first).toMatchObject({ errorCode: 0, baseOffset: 0, duplicate: false });
    const retry = log.append(batch(0, 3, { producerId: 7, producerEpoch: 0, baseSequence: 0 }));
    expect(retry).toMatchObject({ errorCode: 0, baseOffset: 0, duplicate: true });
    expect(log.nextOffset).toBe(3);
    expect(log.append(batch(3, 1, { producerId: 7, producerEpoch: 0, baseSequence: 5 })).errorCode).toBe(
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    );
    expect(log.append(batch(3, 1, { producerId: 7, producerEpoch: 0, baseSequence: 3 }))).toMatchObject({
      baseOffset: 3,
    });
    log.close();
  });

  it('applies retention by size and by time to closed segments only', () => {
    const dir = tempDir();
    const log = PartitionLog.open(dir, { ...config, retentionBytes: 3000 }, logger, true);
    for (let i = 0; i < 100; i++) log.append(batch(i, 1));
    const before = log.segmentCount;
    expect(log.applyRetention()).toBeGreaterThan(0);
    expect(log.segmentCount).toBeLessThan(before);
    expect(log.logStartOffset).toBeGreaterThan(0);
    expect(log.read(0, 100).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect(readAll(log).at(-1)).toBe('value-99');
    log.close();

    const timed = PartitionLog.open(tempDir(), { ...config, retentionMs: 1000 }, logger, true);
    for (let i = 0; i < 50; i++) timed.append(batch(i, 1));
    expect(timed.applyRetention(Date.now())).toBe(0);
    expect(timed.applyRetention(Date.now() + 5000)).toBeGreaterThan(0);
    expect(timed.logStartOffset).toBe(50);
    expect(timed.nextOffset).toBe(50);
    timed.close();
  });
});

describe('ProducerState', () => {
  it('forgets the least recently seen producers past its bound, keeping the active ones', () => {
    const state = new ProducerState();
    state.record(1, 0, 0, 0, 0);
    for (let pid = 2; pid < 3000; pid++) {
      state.record(pid, 0, 0, 0, pid);
      if (pid % 100 === 0) state.record(1, 0, pid / 100, pid / 100, pid); // producer 1 stays active
    }
    expect(state.size).toBe(2048);
    expect(state.check(1, 0, 30, 30)).toEqual({ kind: 'append' });
    expect(state.check(1, 0, 29, 29)).toEqual({ kind: 'duplicate', baseOffset: 2900 });
    expect(state.check(2, 0, 0, 0)).toEqual({ kind: 'append' }); // forgotten: treated as new
  });
});
