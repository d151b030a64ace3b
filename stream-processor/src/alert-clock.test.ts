import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type TestDatabase, testDatabase } from '@ysh/test-helpers';
import { AlertClock, escalateCheckMs } from './alert-clock.ts';
import { listAlerts } from './alerts/alert-store.ts';
import { resolveRules } from './rules/config.ts';
import { saveDevices } from './store/checkpoint-store.ts';
import { silent } from './testing/core-harness.ts';

describe('escalateCheckMs', () => {
  it('checks four times per escalation delay, at most every 30 s and at least every second', () => {
    expect(escalateCheckMs(3_600_000)).toBe(30_000);
    expect(escalateCheckMs(100_000)).toBe(25_000);
    expect(escalateCheckMs(2_000)).toBe(1_000);
  });
});

describe('alert clock timers', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await testDatabase();
  });
  afterAll(async () => {
    await db?.close();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const seen = (at: number) => [
    { site: 'site-a', device: 'inv-1', partition: 0, maxTs: at, lastSeenAt: at, open: [], rules: {}, lastPoint: null },
  ];

  it('checks communication loss once a silence period has passed since start, and escalates on its own timer', async () => {
    const t0 = Date.now();
    let now = t0;
    await saveDevices(db.pool, 'clock-group', 'inverters_telemetry', seen(t0 - 10 * 60_000));
    const counters = { alertsOpened: 0, alertsResolved: 0 };
    // Silence = 30 × 10 s = 5 min; escalation after 100 s is checked every 25 s.
    const clock = new AlertClock(
      { groupId: 'clock-group', rules: resolveRules(), channels: ['console'], escalateAfterMs: 100_000 },
      db.pool,
      counters,
      () => now,
    );
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    clock.start(10_000, silent);

    // First comm-loss tick, still within one silence period of the start: the device is not judged yet.
    await vi.advanceTimersByTimeAsync(10_000);
    await clock.idle();
    expect(await listAlerts(db.pool)).toEqual([]);

    now = t0 + 5 * 60_000 + 1;
    await vi.advanceTimersByTimeAsync(10_000);
    await clock.idle();
    expect(await listAlerts(db.pool)).toMatchObject([
      { rule: 'comm_loss', site: 'site-a', device: 'inv-1', state: 'open', escalatedAt: null },
    ]);
    expect(counters.alertsOpened).toBe(1);

    // The escalation tick (25 s) finds the alert older than 100 s by the clock's time.
    await vi.advanceTimersByTimeAsync(5_000);
    await clock.idle();
    expect((await listAlerts(db.pool))[0]?.escalatedAt).toBe(now);

    await clock.stop();
    // The device reports again: a check would resolve the alert, but the clock is stopped.
    now += 60_000;
    await saveDevices(db.pool, 'clock-group', 'inverters_telemetry', seen(now));
    await vi.advanceTimersByTimeAsync(60_000);
    await clock.idle();
    expect((await listAlerts(db.pool)).map((a) => a.state)).toEqual(['open']);
    expect(counters).toEqual({ alertsOpened: 1, alertsResolved: 0 });
    // The same check run by hand does resolve it.
    expect((await clock.checkCommLoss()).map((t) => t.type)).toEqual(['resolve']);
  });
});
