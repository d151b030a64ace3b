import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_KINDS, type TestDatabase } from '@ysh/test-helpers';
import { acknowledgeAlert, applyTransitions, escalateAlerts, listAlerts } from './alert-store.ts';
import type { AlertTransition } from './types.ts';

const T = Date.parse('2026-11-21T13:00:00Z');
const open = (id: string, since = T): AlertTransition => ({
  type: 'open',
  id,
  site: 'site-a',
  device: 'inv-1',
  rule: 'fault_state',
  severity: 'critical',
  since,
  at: since + 300_000,
  message: 'operating state FAULT',
});
const resolve = (id: string): AlertTransition => ({ ...open(id), type: 'resolve', at: T + 3_600_000, message: 'ok' });

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.enabled)(`alert lifecycle in ${kind.kind}`, () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await kind.open();
    });
    afterAll(async () => {
      await db?.close();
    });

    const outbox = async () =>
      (
        await db.pool.query<{ alert_id: string; event: string; channel: string }>(
          'SELECT alert_id, event, channel FROM notification_outbox ORDER BY id',
        )
      ).rows.map((r) => `${r.alert_id} ${r.event} ${r.channel}`);

    it('open → acknowledged → escalated → resolved, each event queued once per channel', async () => {
      expect(await applyTransitions(db.pool, [open('al_1')], ['slack', 'kafka'])).toEqual({ opened: 1, resolved: 0 });
      // The same incident again (a replay), and another incident for the same target while it is open: no-ops.
      expect(await applyTransitions(db.pool, [open('al_1'), open('al_2', T + 600_000)], ['slack', 'kafka'])).toEqual({
        opened: 0,
        resolved: 0,
      });
      const acked = await acknowledgeAlert(db.pool, 'al_1', 'maria@ops', ['slack'], T + 400_000);
      expect(acked).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'maria@ops' });
      expect(await acknowledgeAlert(db.pool, 'al_1', 'joão@ops', ['slack'])).toBeUndefined();
      // Not yet an hour since it opened (processing time): nothing; far later: escalated once.
      expect(await escalateAlerts(db.pool, 3_600_000, ['slack'], Date.now())).toHaveLength(0);
      const escalated = await escalateAlerts(db.pool, 3_600_000, ['slack'], Date.now() + 2 * 3_600_000);
      expect(escalated.map((a) => a.id)).toEqual(['al_1']);
      expect(await escalateAlerts(db.pool, 3_600_000, ['slack'], Date.now() + 3 * 3_600_000)).toHaveLength(0);
      expect(await applyTransitions(db.pool, [resolve('al_1'), resolve('al_1')], ['slack', 'kafka'])).toEqual({
        opened: 0,
        resolved: 1,
      });
      expect(await outbox()).toEqual([
        'al_1 opened slack',
        'al_1 opened kafka',
        'al_1 acknowledged slack',
        'al_1 escalated slack',
        'al_1 resolved slack',
        'al_1 resolved kafka',
      ]);
      const [a] = await listAlerts(db.pool);
      expect(a).toMatchObject({ id: 'al_1', state: 'resolved', since: T, resolvedAt: T + 3_600_000 });
      // After the resolve a new incident for the same target may open.
      expect(await applyTransitions(db.pool, [open('al_3', T + 7_200_000)], ['slack'])).toEqual({
        opened: 1,
        resolved: 0,
      });
      expect((await listAlerts(db.pool, { state: 'unresolved' })).map((x) => x.id)).toEqual(['al_3']);
    });
  });
}
