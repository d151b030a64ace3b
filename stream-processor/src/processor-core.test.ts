import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_KINDS, type TestDatabase } from '@ysh/test-helpers';
import { listAlerts } from './alerts/alert-store.ts';
import { ProcessorCore } from './processor-core.ts';
import { FencedError, loadDevices } from './store/checkpoint-store.ts';
import { listResults } from './store/results-store.ts';
import { coreOptions, counts, feed, silent, toTopic } from './testing/core-harness.ts';
import { DAY, during } from './testing/fault-window.ts';
import { reading } from './testing/readings.ts';
import { solarDay } from './testing/solar-day.ts';

const devices = ['inv-01', 'inv-02', 'inv-03', 'inv-04'];
// inv-03 sleeps through an hour of daylight (no fault code: only its peers show something is wrong);
// inv-01 runs hot for 45 minutes.
const asleep = (m: Record<string, number | undefined>) => ({ ...m, ac_power_w: 0, dc_power_w: 0, operating_state: 2 });
const hot = (m: Record<string, number | undefined>) => ({ ...m, temperature_c: 80 });
const sleepy = during('inv-03', 10, 11, asleep);
const overheat = during('inv-01', 11.5, 12.25, hot);
const day = solarDay({
  devices,
  day: DAY,
  fromHour: 9,
  toHour: 13,
  fault: (d, t, m) => overheat(d, t, sleepy(d, t, m) as typeof m),
});
const topic = toTopic(day, 3);

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.enabled)(`processor core checkpoints on ${kind.kind}`, () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await kind.open();
    });
    afterAll(async () => {
      await db?.close();
    });

    async function clean() {
      await db.pool.query(
        'TRUNCATE window_results, alerts, notification_outbox, processor_partitions, processor_devices, processor_site_state CASCADE',
      );
    }

    async function snapshot() {
      const results = await listResults(db.pool);
      const alerts = (await listAlerts(db.pool)).map((a) => `${a.rule}:${a.device}:${a.state}:${a.id}`);
      const { rows } = await db.pool.query<{ alert_id: string; event: string }>(
        'SELECT alert_id, event FROM notification_outbox ORDER BY alert_id, event',
      );
      return { results, alerts, outbox: rows.map((r) => `${r.alert_id}:${r.event}`) };
    }

    it('stores one result per (device, window) and one alert per incident, with its notifications', async () => {
      await clean();
      const core = new ProcessorCore(
        coreOptions('a', { nameplates: Object.fromEntries(devices.map((d) => [d, 10_000])) }),
        {
          pool: db.pool,
          logger: silent,
        },
      );
      await core.claim([0, 1, 2]);
      await feed(core, topic);
      const s = await snapshot();
      // 4 h of 5-min windows, the last one still open.
      expect(s.results).toHaveLength(4 * 47);
      expect(s.results.every((r) => r.samples === 30 && r.revision === 0)).toBe(true);
      expect(s.alerts.map((a) => a.split(':').slice(0, 3).join(':'))).toEqual(
        expect.arrayContaining(['over_temperature:inv-01:resolved', 'no_production:inv-03:resolved']),
      );
      expect(s.alerts).toHaveLength(2);
      expect(s.outbox).toHaveLength(4);
      expect(core.counters.siteWindowsJudged).toBe(47);
    });

    for (const across of [false, true]) {
      it(`after a crash mid-stream, a new instance resumes from the checkpoint: same results, no second alert${across ? ' (energy across window boundaries)' : ''}`, async () => {
        const options = (id: string) => {
          const o = coreOptions(id);
          o.engine = { ...o.engine, windows: { ...o.engine.windows, energyAcrossBoundaries: across } };
          return o;
        };
        await clean();
        const reference = new ProcessorCore(options('ref'), { pool: db.pool, logger: silent });
        await reference.claim([0, 1, 2]);
        await feed(reference, topic);
        const expected = await snapshot();
        await clean();

        const first = new ProcessorCore(options('first'), { pool: db.pool, logger: silent });
        await first.claim([0, 1, 2]);
        // Checkpointed up to offset ~1100 per partition, then 300 more processed but never flushed: the crash.
        await feed(first, topic, { batch: 100, until: 1100 });
        await feed(first, topic, { batch: 100, from: [1100, 1100, 1100], until: 1400, flush: false });
        const second = new ProcessorCore(options('second'), { pool: db.pool, logger: silent });
        const resume = await second.claim([0, 1, 2]);
        expect([...resume.values()].every((o) => o === 1100 || o < 1100)).toBe(true);
        // Kafka redelivers from an older committed offset: below the checkpoint is skipped.
        await feed(second, topic, { batch: 250, from: [0, 0, 0] });
        expect(second.counters.skippedReplayed).toBeGreaterThan(0);
        const got = await snapshot();
        // Results include energy: with the boundary carry, the device's last counter reading is in its checkpoint.
        expect(got.results).toEqual(expected.results);
        expect(got.alerts).toEqual(expected.alerts);
        expect(got.outbox).toEqual(expected.outbox);
        if (across) {
          // The device checkpoint carries its newest counter reading, for the next window's first interval.
          const devices = await loadDevices(db.pool, 'test-group', 'inverters_telemetry', [0, 1, 2]);
          const last = day.filter((r) => r.device === 'inv-02').at(-1)!;
          expect(devices.find((d) => d.device === 'inv-02')?.lastPoint).toEqual([
            Date.parse(last.ts),
            last.metrics.ac_energy_wh,
          ]);
        }
      });
    }

    it('fences a former owner: its checkpoint after a rebalance fails and changes nothing', async () => {
      await clean();
      const a = new ProcessorCore(coreOptions('a'), { pool: db.pool, logger: silent });
      const b = new ProcessorCore(coreOptions('b'), { pool: db.pool, logger: silent });
      await a.claim([0]);
      await a.process(0, topic.partitions[0]!.slice(0, 100));
      await b.claim([0]);
      await expect(a.flush()).rejects.toBeInstanceOf(FencedError);
      expect((await counts(db.pool)).results).toBe(0);
      expect(a.owns(0)).toBe(false);
    });

    it('a late reading for a window that left memory is merged into the stored window: one corrected result', async () => {
      await clean();
      const opts = coreOptions('late');
      opts.engine = { ...opts.engine, windows: { ...opts.engine.windows, correctionCacheMs: 10 * 60_000 } };
      const core = new ProcessorCore(opts, { pool: db.pool, logger: silent });
      await core.claim([0]);
      const rs = Array.from({ length: 360 }, (_, i) => reading('inv-x', i + 1, DAY + 12 * 3_600_000 + i * 10_000));
      const late = rs.splice(3, 1)[0]!;
      await core.process(
        0,
        rs.map((r, i) => ({ offset: String(i), value: JSON.stringify(r) })),
      );
      await core.flush();
      const before = (await listResults(db.pool)).find((r) => r.windowStart === DAY + 12 * 3_600_000);
      expect(before?.samples).toBe(29);
      await core.process(0, [{ offset: '359', value: JSON.stringify(late) }]);
      await core.flush();
      expect(core.counters.lookups).toBe(1);
      const after = (await listResults(db.pool)).find((r) => r.windowStart === DAY + 12 * 3_600_000);
      expect(after).toMatchObject({ samples: 30, revision: 1 });
      expect(core.engine.counters.corrections).toBe(1);
    });

    it('a replay after a rejoin completes a window that late readings had revised many times', async () => {
      // An outage: the window closes idle, its readings then trickle in one by one (a revision each) and are
      // published without a checkpoint; the rejoin replays them from the checkpoint into one fuller state
      // whose own revision counter starts again from the checkpoint's.
      await clean();
      let now = DAY + 12 * 3_600_000;
      const core = new ProcessorCore(coreOptions('replay'), { pool: db.pool, logger: silent, now: () => now });
      await core.claim([0]);
      const rs = Array.from({ length: 30 }, (_, i) => reading('inv-r', i + 1, now + i * 10_000));
      const msgs = rs.map((r, i) => ({ offset: String(i), value: JSON.stringify(r) }));
      await core.process(0, msgs.slice(0, 10));
      await core.flush();
      now += 3 * 60_000;
      core.tick();
      for (const m of msgs.slice(10, 20)) await core.process(0, [m]);
      const job = core.prepareFlush(false);
      if (!job) throw new Error('nothing to publish');
      await core.writeFlush(job);
      const published = (await listResults(db.pool)).find((r) => r.device === 'inv-r');
      expect(published).toMatchObject({ samples: 20, revision: 10 });

      core.reset();
      await core.claim([0]);
      await core.process(0, msgs.slice(10));
      now += 3 * 60_000;
      core.tick();
      await core.flush();
      const after = (await listResults(db.pool)).find((r) => r.device === 'inv-r');
      expect(after?.samples).toBe(30);
      // The stored revision still only grows.
      expect(after?.revision).toBeGreaterThan(10);
    });

    it('a silent site gives one site-level comm_loss alert, resolved when it reports again', async () => {
      await clean();
      let now = Date.parse('2026-11-21T12:00:00Z');
      const core = new ProcessorCore(coreOptions('cl'), { pool: db.pool, logger: silent, now: () => now });
      await core.claim([0]);
      const rs = ['inv-1', 'inv-2', 'inv-3'].map((d) => reading(d, 1, now - 1000, {}, 'site-quiet'));
      rs.push(reading('inv-9', 1, now - 1000, {}, 'site-busy'));
      await core.process(
        0,
        rs.map((r, i) => ({ offset: String(i), value: JSON.stringify(r) })),
      );
      await core.flush();
      now += 6 * 60_000;
      await core.process(0, [{ offset: '4', value: JSON.stringify(reading('inv-9', 2, now, {}, 'site-busy')) }]);
      await core.flush();
      const opened = await core.checkCommLoss();
      expect(opened.map((t) => [t.type, t.site, t.device])).toEqual([['open', 'site-quiet', undefined]]);
      expect(await core.checkCommLoss()).toEqual([]);
      now += 60_000;
      await core.process(0, [{ offset: '5', value: JSON.stringify(reading('inv-2', 2, now, {}, 'site-quiet')) }]);
      await core.flush();
      const t = await core.checkCommLoss();
      expect(t.filter((x) => x.type === 'resolve').map((x) => x.site)).toEqual(['site-quiet']);
      // inv-1 and inv-3 are still silent: now each is its own device-level incident.
      expect(t.filter((x) => x.type === 'open').map((x) => x.device)).toEqual(['inv-1', 'inv-3']);
      const events = (await snapshot()).outbox.map((o) => o.split(':')[1]);
      expect(events.sort()).toEqual(['opened', 'opened', 'opened', 'resolved']);
    });
  });
}
