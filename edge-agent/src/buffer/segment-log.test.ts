import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { appendFile, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TMPFS_GROUP, tmpfsUnavailable } from '@ysh/test-helpers';
import { SegmentLog } from './segment-log.ts';

const rec = (i: number) => Buffer.from(JSON.stringify({ i, pad: 'x'.repeat(40) }));
const ids = (items: Buffer[]) => items.map((b) => (JSON.parse(b.toString()) as { i: number }).i);

describe('SegmentLog', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ysh-seglog-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('hands records out in order and keeps unacknowledged ones across reopen', async () => {
    const log = await SegmentLog.open(dir, { maxBytes: 1e6, segmentBytes: 1000 });
    await Promise.all([0, 1, 2, 3].map((k) => log.append(Array.from({ length: 10 }, (_, j) => rec(k * 10 + j)))));
    expect(log.backlog).toBe(40);
    const b1 = await log.next(15);
    expect(ids(b1.items)).toEqual(Array.from({ length: 15 }, (_, i) => i));
    await log.ack(b1);
    const b2 = await log.next(10);
    expect(ids(b2.items)[0]).toBe(15);
    await log.close(); // b2 never acknowledged

    const again = await SegmentLog.open(dir, { maxBytes: 1e6, segmentBytes: 1000 });
    expect(again.backlog).toBe(25);
    const all = await again.next(100);
    expect(ids(all.items)).toEqual(Array.from({ length: 25 }, (_, i) => i + 15));
    await again.ack(all);
    expect(again.backlog).toBe(0);
    // Fully acknowledged segments are deleted; only the active one is left.
    expect((await readdir(dir)).filter((n) => n.endsWith('.seg')).length).toBe(1);
    await again.close();
  });

  it('continues past a batch that ends exactly at a segment boundary', async () => {
    const log = await SegmentLog.open(dir, { maxBytes: 1e6, segmentBytes: 400 });
    for (let g = 0; g < 3; g++) await log.append(Array.from({ length: 5 }, (_, j) => rec(g * 5 + j)));
    expect((await readdir(dir)).filter((n) => n.endsWith('.seg')).length).toBe(3);
    const seen: number[] = [];
    for (let k = 0; k < 3; k++) {
      const b = await log.next(5);
      seen.push(...ids(b.items));
      await log.ack(b);
    }
    expect(seen).toEqual(Array.from({ length: 15 }, (_, i) => i));
    await log.append([rec(15)]);
    expect(ids((await log.next(5)).items)).toEqual([15]);
    await log.close();
    const again = await SegmentLog.open(dir, { maxBytes: 1e6, segmentBytes: 400 });
    expect(again.backlog).toBe(1);
    await again.close();
  });

  it('reads records larger than its read chunk', async () => {
    const log = await SegmentLog.open(dir, { maxBytes: 1e8, segmentBytes: 1e7 });
    const big = Buffer.alloc(700_000, 0x61);
    await log.append([rec(0), big, rec(2)]);
    const b = await log.next(10);
    expect(b.items.map((x) => x.length)).toEqual([rec(0).length, 700_000, rec(2).length]);
    expect(b.items[1]?.equals(big)).toBe(true);
    await log.close();
  });

  it('cuts a torn tail on recovery and keeps every record before it', async () => {
    const log = await SegmentLog.open(dir, { maxBytes: 1e6, segmentBytes: 1e5 });
    await log.append(Array.from({ length: 5 }, (_, i) => rec(i)));
    await log.close();
    const seg = (await readdir(dir)).find((n) => n.endsWith('.seg')) as string;
    const before = (await stat(join(dir, seg))).size;
    // Half a record: header says 60 bytes, only 10 arrive before the power goes.
    const torn = Buffer.alloc(18);
    torn.writeUInt32LE(60, 0);
    await appendFile(join(dir, seg), torn);
    const again = await SegmentLog.open(dir, { maxBytes: 1e6, segmentBytes: 1e5 });
    expect(again.backlog).toBe(5);
    expect((await stat(join(dir, seg))).size).toBe(before);
    await again.append([rec(5)]);
    expect(ids((await again.next(10)).items)).toEqual([0, 1, 2, 3, 4, 5]);
    await again.close();
  });

  it('drops the oldest segments past the disk budget, counts them, and keeps the newest', async () => {
    let dropped = 0;
    const log = await SegmentLog.open(dir, { maxBytes: 4096, segmentBytes: 1024, onDrop: (n) => (dropped += n) });
    for (let i = 0; i < 200; i++) await log.append([rec(i)]);
    expect(log.diskBytes).toBeLessThanOrEqual(4096);
    expect(dropped).toBeGreaterThan(0);
    const batch = await log.next(1000);
    const got = ids(batch.items);
    expect(got[got.length - 1]).toBe(199);
    expect(got.length + dropped).toBe(200);
    // Contiguous: the loss is a prefix, never a hole in the middle.
    expect(got).toEqual(Array.from({ length: got.length }, (_, i) => 200 - got.length + i));
    expect(batch.dropped).toBe(dropped);
    await log.ack(batch);
    expect((await log.next(10)).dropped).toBe(0);
    await log.close();
  });
});

// A real full filesystem: a 256 KiB tmpfs. Mounting needs root on Linux; the reason is
// computed once, before the tests, by the same probe the global setup reports.
const noTmpfs = tmpfsUnavailable();
if (noTmpfs !== undefined) process.stderr.write(`SKIP ${TMPFS_GROUP}: ${noTmpfs}\n`);

describe.skipIf(noTmpfs !== undefined)('SegmentLog on a full disk (ENOSPC)', () => {
  it('gives up the oldest segments when the disk fills before the budget, and keeps the newest', async () => {
    const mnt = mkdtempSync(join(tmpdir(), 'ysh-tmpfs-'));
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mnt]).status).toBe(0);
    let dropped = 0;
    // A budget far larger than the disk: only ENOSPC can stop it.
    const log = await SegmentLog.open(mnt, { maxBytes: 1e9, segmentBytes: 16 * 1024, onDrop: (n) => (dropped += n) });
    try {
      for (let i = 0; i < 6000; i++) await log.append([rec(i)]);
      expect(dropped).toBeGreaterThan(0);
      const batch = await log.next(100_000);
      const got = ids(batch.items);
      expect(got.at(-1)).toBe(5999);
      expect(got.length + dropped).toBe(6000);
      expect(got).toEqual(Array.from({ length: got.length }, (_, i) => 6000 - got.length + i));
      await log.close();
      // What survived is intact after a reopen.
      const again = await SegmentLog.open(mnt, { maxBytes: 1e9, segmentBytes: 16 * 1024 });
      expect(again.backlog).toBe(got.length);
      await again.close();
    } finally {
      await log.close().catch(() => undefined);
      spawnSync('umount', ['-l', mnt]);
      rmSync(mnt, { recursive: true, force: true });
    }
  });
});
