import { appendFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '@ysh/common';
import { afterEach, describe, expect, it } from 'vitest';
import { type KafkaBroker, startKafkaBroker } from './broker.ts';
import { segmentName } from './log/segment.ts';
import { encodeBatch } from './protocol/records.ts';

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

const dirs: string[] = [];
const brokers: KafkaBroker[] = [];
afterEach(async () => {
  for (const b of brokers.splice(0)) await b.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A broker on `dataDir` whose JSON log lines land in `lines`. */
async function start(dataDir: string, lines: LogLine[]): Promise<KafkaBroker> {
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as LogLine);
      done();
    },
  });
  const logger = createLogger('test', { level: 'info', destination });
  // fsync 'batch': no interval flush running behind the test's back.
  const broker = await startKafkaBroker({ dataDir, logger, fsync: 'batch' });
  brokers.push(broker);
  return broker;
}

async function stop(broker: KafkaBroker): Promise<void> {
  brokers.splice(brokers.indexOf(broker), 1);
  await broker.close();
}

const reading = (i: number) => encodeBatch([{ key: Buffer.from('inv-0001'), value: Buffer.from(`reading ${i}`) }]);

/** Five readings in partition 0 of `topic`; returns the active segment's path and its size. */
function fill(broker: KafkaBroker, dataDir: string, topic: string): { segment: string; size: number } {
  const log = broker.state.topics.create(topic, 1).topic?.partitions[0];
  if (!log) throw new Error('topic not created');
  for (let i = 0; i < 5; i++) expect(log.append(reading(i))).toMatchObject({ errorCode: 0, baseOffset: i });
  const segment = join(dataDir, 'topics', topic, '0', segmentName(0, 'log'));
  return { segment, size: statSync(segment).size };
}

/** A batch at the next offset, well framed but with a CRC that does not match: what a lost flush can leave. */
function appendCorruptTail(segment: string, offset: number): void {
  const bad = reading(offset);
  bad.writeBigInt64BE(BigInt(offset), 0);
  bad[bad.length - 1]! ^= 0xff;
  appendFileSync(segment, bad);
}

describe('clean-shutdown marker', () => {
  it('is not written when a partition log fails to flush on close, so the next start checks CRCs and cuts the tail', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ysh-clean-shutdown-'));
    dirs.push(dataDir);
    const lines: LogLine[] = [];
    const first = await start(dataDir, lines);
    const { segment, size } = fill(first, dataDir, 'telemetry');
    first.control.failSync();
    await stop(first);

    expect(existsSync(join(dataDir, 'clean-shutdown'))).toBe(false);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 50,
        msg: expect.stringContaining('fdatasync failed on close'),
        err: expect.objectContaining({ code: 'EIO' }),
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 50, msg: expect.stringContaining('no clean-shutdown marker') }),
    );

    appendCorruptTail(segment, 5);
    lines.length = 0;
    const second = await start(dataDir, lines);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'kafka broker listening', cleanShutdown: false }));
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: 'truncating torn or corrupt log tail',
        reason: 'crc mismatch',
        droppedBytes: expect.any(Number),
      }),
    );
    expect(statSync(segment).size).toBe(size);
    const log = second.state.topics.partition('telemetry', 0);
    expect(log?.nextOffset).toBe(5);
    expect(log?.append(reading(5))).toMatchObject({ errorCode: 0, baseOffset: 5 });

    await stop(second);
    expect(existsSync(join(dataDir, 'clean-shutdown'))).toBe(true);
  });

  it('is not written after a failed sync while running, even when the flush on close succeeds', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ysh-clean-shutdown-'));
    dirs.push(dataDir);
    const lines: LogLine[] = [];
    const broker = await start(dataDir, lines);
    fill(broker, dataDir, 'telemetry');
    broker.control.failSync(1);
    const log = broker.state.topics.partition('telemetry', 0);
    await expect(log?.sync()).rejects.toMatchObject({ code: 'EIO' });
    log?.append(reading(5));
    await log?.sync();
    await stop(broker);
    expect(existsSync(join(dataDir, 'clean-shutdown'))).toBe(false);

    lines.length = 0;
    await stop(await start(dataDir, lines));
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'kafka broker listening', cleanShutdown: false }));
    expect(existsSync(join(dataDir, 'clean-shutdown'))).toBe(true);
  });
});
