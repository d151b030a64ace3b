import { appendFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@ysh/common';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../protocol/error-codes.ts';
import { Group, type GroupState, type JoinRequest } from './group.ts';
import { OffsetStore } from './offset-store.ts';

const logger = createLogger('test', { level: 'silent' });

function joinReq(memberId = '', sessionTimeoutMs = 10_000): JoinRequest {
  return {
    memberId,
    groupInstanceId: null,
    sessionTimeoutMs,
    rebalanceTimeoutMs: 1000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from('m') }],
  };
}

describe('consumer group state machine', () => {
  it('walks Empty → PreparingRebalance → CompletingRebalance → Stable and back', async () => {
    const states: GroupState[] = [];
    const g = new Group('g', 0, logger, (group) => states.push(group.state));
    const a = await g.join(joinReq(), 'client-a', 'h');
    expect(a).toMatchObject({ errorCode: 0, generationId: 1, protocolName: 'range' });
    expect(a.leader).toBe(a.memberId);
    expect(a.members).toHaveLength(1);
    const sync = await g.sync(a.memberId, 1, [{ memberId: a.memberId, assignment: Buffer.from('all') }]);
    expect(sync.assignment.toString()).toBe('all');
    expect(g.heartbeat(a.memberId, 1)).toBe(ErrorCode.NONE);

    // A second member: the first learns of the rebalance through its heartbeat and rejoins.
    const bJoin = g.join(joinReq(), 'client-b', 'h');
    expect(g.state).toBe('PreparingRebalance');
    expect(g.heartbeat(a.memberId, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const aJoin = g.join(joinReq(a.memberId), 'client-a', 'h');
    const [b, a2] = await Promise.all([bJoin, aJoin]);
    expect(a2.generationId).toBe(2);
    expect(a2.members).toHaveLength(2);
    expect(b.members).toHaveLength(0);
    expect(g.state).toBe('CompletingRebalance');
    const bSync = g.sync(b.memberId, 2, []);
    await g.sync(a2.memberId, 2, [
      { memberId: a2.memberId, assignment: Buffer.from('p0') },
      { memberId: b.memberId, assignment: Buffer.from('p1') },
    ]);
    expect((await bSync).assignment.toString()).toBe('p1');
    expect(g.heartbeat(a.memberId, 1)).toBe(ErrorCode.ILLEGAL_GENERATION);

    expect(g.leave(b.memberId)).toBe(ErrorCode.NONE);
    expect(g.state).toBe('PreparingRebalance');
    await g.join(joinReq(a.memberId), 'client-a', 'h');
    expect(g.generationId).toBe(3);
    expect(g.leave(a.memberId)).toBe(ErrorCode.NONE);
    expect(g.state).toBe('Empty');
    expect(states).toEqual([
      'PreparingRebalance',
      'CompletingRebalance',
      'Stable',
      'PreparingRebalance',
      'CompletingRebalance',
      'Stable',
      'PreparingRebalance',
      'CompletingRebalance',
      'Empty',
    ]);
  });

  it('expires a silent member and drops members that do not rejoin in time', async () => {
    const g = new Group('g', 0, logger);
    const a = await g.join(joinReq('', 1000), 'a', 'h');
    await g.sync(a.memberId, 1, []);
    const bJoin = g.join(joinReq('', 1000), 'b', 'h');
    // a never rejoins: the rebalance timeout (1 s) completes the join without it.
    const b = await bJoin;
    expect(b.generationId).toBe(2);
    expect(g.members.has(a.memberId)).toBe(false);
    await g.sync(b.memberId, 2, []);
    g.expire(Date.now() + 5000);
    expect(g.state).toBe('Empty');
    expect(g.heartbeat(b.memberId, 2)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('answers commits as Kafka does', async () => {
    const g = new Group('g', 0, logger);
    expect(g.commitError(-1, '')).toBe(ErrorCode.NONE);
    const a = await g.join(joinReq(), 'a', 'h');
    expect(g.commitError(a.generationId, a.memberId)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    await g.sync(a.memberId, a.generationId, []);
    expect(g.commitError(a.generationId, a.memberId)).toBe(ErrorCode.NONE);
    expect(g.commitError(a.generationId + 1, a.memberId)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(g.commitError(a.generationId, 'stranger')).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(g.commitError(-1, '')).toBe(ErrorCode.ILLEGAL_GENERATION);
  });

  it('refuses members whose protocols share nothing with the group', async () => {
    const g = new Group('g', 0, logger);
    await g.join(joinReq(), 'a', 'h');
    const other = await g.join({ ...joinReq(), protocols: [{ name: 'sticky', metadata: Buffer.alloc(0) }] }, 'b', 'h');
    expect(other.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  });
});

describe('committed offsets', () => {
  it('compact themselves while running once the file grows', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ysh-offsets-'));
    try {
      const store = new OffsetStore(dir, logger, 2048);
      for (let i = 0; i < 500; i++) store.commit('g', [{ topic: 't', partition: i % 3, offset: i, metadata: null }]);
      expect(statSync(join(dir, 'offsets.jsonl')).size).toBeLessThan(4096);
      store.close();
      const again = new OffsetStore(dir, logger);
      expect([0, 1, 2].map((p) => again.get('g', 't', p)?.offset)).toEqual([498, 499, 497]);
      again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('survive a restart and ignore a torn last line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ysh-offsets-'));
    try {
      const store = new OffsetStore(dir, logger);
      store.commit('g', [
        { topic: 't', partition: 0, offset: 5, metadata: null },
        { topic: 't', partition: 1, offset: 9, metadata: 'm' },
      ]);
      store.commit('g', [{ topic: 't', partition: 0, offset: 6, metadata: null }]);
      store.commit('gone', [{ topic: 't', partition: 0, offset: 1, metadata: null }]);
      store.deleteGroup('gone');
      store.close();
      appendFileSync(join(dir, 'offsets.jsonl'), '{"g":"g","t":"t","p":0,"o":99');
      const again = new OffsetStore(dir, logger);
      expect(again.get('g', 't', 0)?.offset).toBe(6);
      expect(again.get('g', 't', 1)).toMatchObject({ offset: 9, metadata: 'm' });
      expect(again.groups()).toEqual(['g']);
      expect(again.get('gone', 't', 0)).toBeUndefined();
      again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
