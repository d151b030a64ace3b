import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@ysh/common';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../protocol/error-codes.ts';
import { encodeBatch } from '../protocol/records.ts';
import { describeTopicConfigs, logConfigFor } from './topic-config.ts';
import { TopicStore } from './topic-store.ts';

const logger = createLogger('test', { level: 'silent' });
const base = { segmentBytes: 1 << 20, indexIntervalBytes: 4096, retentionMs: undefined, retentionBytes: undefined };
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('TopicStore', () => {
  it('persists topics, their configs and added partitions across a restart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ysh-topics-'));
    dirs.push(dir);
    const store = new TopicStore(dir, base, logger);
    expect(store.create('readings', 2, { 'retention.ms': '60000', 'segment.bytes': '4096' }).errorCode).toBe(
      ErrorCode.NONE,
    );
    store.partition('readings', 1)!.append(encodeBatch([{ value: Buffer.from('v') }]));
    expect(store.addPartitions('readings', 3).errorCode).toBe(ErrorCode.NONE);
    expect(store.addPartitions('readings', 3).errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
    store.close();

    const again = new TopicStore(dir, base, logger);
    again.load(true);
    const t = again.get('readings')!;
    expect(t.partitions).toHaveLength(3);
    expect(t.configs).toEqual({ 'retention.ms': '60000', 'segment.bytes': '4096' });
    expect(t.partitions[0]!.config).toMatchObject({ retentionMs: 60000, segmentBytes: 4096 });
    expect(t.partitions[1]!.nextOffset).toBe(1);
    expect(again.delete('readings')).toBe(ErrorCode.NONE);
    again.close();
    const third = new TopicStore(dir, base, logger);
    third.load(true);
    expect(third.topics.size).toBe(0);
  });

  it('refuses bad names, partition counts and configs with the Kafka error code', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ysh-topics-'));
    dirs.push(dir);
    const store = new TopicStore(dir, base, logger);
    expect(store.create('a/b', 1).errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    expect(store.create('..', 1).errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    expect(store.create('ok', 0).errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
    expect(store.create('ok', 5000).errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
    expect(store.create('ok', 1, { 'cleanup.policy': 'compact' })).toMatchObject({
      errorCode: ErrorCode.INVALID_CONFIG,
    });
    expect(store.create('ok', 1, { 'segment.bytes': '1' }).message).toMatch(/segment.bytes must be >= 14/);
    expect(store.create('ok', 1).errorCode).toBe(ErrorCode.NONE);
    expect(store.create('ok', 1).errorCode).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);
    store.close();
  });

  it('derives the effective log settings from topic configs (-1 = unlimited)', () => {
    expect(logConfigFor({ ...base, retentionMs: 1000 }, { 'retention.ms': '-1' }).retentionMs).toBeUndefined();
    const described = describeTopicConfigs(base, { 'retention.bytes': '100', 'flush.ms': '5' }, 1_000_000);
    expect(described).toContainEqual({ name: 'retention.bytes', value: '100', isDefault: false });
    expect(described).toContainEqual({ name: 'retention.ms', value: '-1', isDefault: true });
    expect(described).toContainEqual({ name: 'flush.ms', value: '5', isDefault: false });
  });
});
