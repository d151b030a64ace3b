import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClockGuard, type ClockSource } from './clock-guard.ts';
import { Normalizer } from './normalizer.ts';
import { SeqStore } from './seq-store.ts';

class FakeClock implements ClockSource {
  wallMs = Date.UTC(2026, 10, 21, 12);
  monoMs = 1000;
  wall = () => this.wallMs;
  mono = () => this.monoMs;
  tick(ms: number) {
    this.wallMs += ms;
    this.monoMs += ms;
  }
}

describe('seq store', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ysh-seq-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('never hands out a seq twice across restarts, even without a clean close', async () => {
    const path = join(dir, 'seq.json');
    const used: number[] = [];
    for (let run = 0; run < 4; run++) {
      const store = await SeqStore.open(path, { blockSize: 10 });
      for (let i = 0; i < 7 + run * 5; i++) used.push(await store.take('inv-1'));
      // No close(): the process "dies" here with whatever the store has persisted.
    }
    expect(new Set(used).size).toBe(used.length);
    expect(used).toEqual([...used].sort((a, b) => a - b));
  });

  it('keeps devices independent', async () => {
    const store = await SeqStore.open(join(dir, 'seq.json'));
    expect([await store.take('a'), await store.take('a'), await store.take('b')]).toEqual([0, 1, 0]);
    await store.close();
  });
});

describe('clock jumps', () => {
  it('flags readings stamped around a wall-clock step that the monotonic clock did not see', () => {
    const clock = new FakeClock();
    const guard = new ClockGuard(clock, { toleranceMs: 1000, holdMs: 5000 });
    clock.tick(1000);
    expect(guard.stamp().suspect).toBe(false);
    clock.wallMs += 3_600_000; // NTP steps the clock an hour forward
    clock.tick(1000);
    expect(guard.stamp().suspect).toBe(true);
    clock.tick(4000);
    expect(guard.stamp().suspect).toBe(true);
    clock.tick(2000);
    expect(guard.stamp().suspect).toBe(false);
    expect(guard.jumps).toBe(1);
  });

  it('flags a clock that was never set or runs behind the last run', () => {
    const clock = new FakeClock();
    clock.wallMs = 0; // booted without RTC/NTP: 1970
    expect(new ClockGuard(clock).stamp().suspect).toBe(true);
    const behind = new FakeClock();
    const guard = new ClockGuard(behind, { lastTs: behind.wallMs + 86_400_000 });
    expect(guard.stamp().suspect).toBe(true);
  });

  it('puts clock_jump, quality suspect and a fresh seq on the reading', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ysh-norm-'));
    try {
      const clock = new FakeClock();
      const n = new Normalizer('site-1', await SeqStore.open(join(dir, 'seq.json')), new ClockGuard(clock));
      const sample = {
        device: 'inv-1',
        metrics: { ac_power_w: 100, operating_state: 4 },
        health: 'online' as const,
        partial: false,
      };
      clock.tick(1000);
      const a = await n.normalize(sample);
      expect(a).toMatchObject({ v: 1, site: 'site-1', device: 'inv-1', seq: 0, quality: 'good' });
      expect(a.flags).toBeUndefined();
      clock.wallMs -= 120_000;
      clock.tick(1000);
      const b = await n.normalize(sample);
      expect(b).toMatchObject({ seq: 1, quality: 'suspect', flags: ['clock_jump'] });
      // A metric outside the contract is left out and the reading says so, instead of being rejected upstream.
      clock.tick(130_000); // past the last good timestamp again
      const c = await n.normalize({ ...sample, metrics: { ac_power_w: 5, operating_state: 99 }, health: 'degraded' });
      expect(c.metrics).toEqual({ ac_power_w: 5 });
      expect(c.quality).toBe('degraded');
      expect(c.flags).toEqual(['device_degraded', 'partial_read']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
