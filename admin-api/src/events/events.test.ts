import { DATABASE_KINDS, type TestDatabase } from '@ysh/test-helpers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiFixture, apiFixture } from '../testing/fixture.ts';
import { openSse } from '../testing/sse-client.ts';

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.enabled)(`events stream on ${kind.kind}`, () => {
    let db: TestDatabase;
    let f: ApiFixture;
    let base: string;
    beforeAll(async () => {
      db = await kind.open();
      f = await apiFixture(db);
      await f.app.ctx.events.start();
      base = await f.app.listen({ port: 0, host: '127.0.0.1' });
    }, 300_000);
    afterAll(async () => {
      await f?.close();
      await db?.close();
    });

    const openAlert = (id: string, site: string) =>
      f.pool.query(
        `INSERT INTO alerts (id, site, device, rule, severity, state, since, opened_at, message)
         VALUES ($1, $2, NULL, $3, 'critical', 'open', now(), now(), 'site availability low')`,
        [id, site, `rule_${id.replace(/-/g, '_')}`],
      );

    it('an alert acknowledged through the API is acknowledged in PostgreSQL and on the stream, in scope only', async () => {
      const admin = await openSse(`${base}/v1/events`, f.auth('admin'));
      const scoped = await openSse(`${base}/v1/events`, f.auth('scopedViewer'));
      expect(admin.contentType).toContain('text/event-stream');
      await openAlert('ev-a', 'site-a');
      await openAlert('ev-b', 'site-b');
      const opened = await admin.waitFor((e) => e.event === 'alert.opened' && e.data.id === 'ev-b');
      expect(opened.data).toMatchObject({ type: 'alert.opened', site: 'site-b', severity: 'critical' });
      await scoped.waitFor((e) => e.event === 'alert.opened' && e.data.id === 'ev-a');

      const ack = await fetch(`${base}/v1/alerts/ev-a/ack`, { method: 'POST', headers: f.auth('operator') });
      expect(ack.status).toBe(200);
      const row = await f.pool.query<{ state: string; acknowledged_by: string }>(
        'SELECT state, acknowledged_by FROM alerts WHERE id = $1',
        ['ev-a'],
      );
      expect(row.rows[0]).toEqual({ state: 'acknowledged', acknowledged_by: 'operator@example.com' });
      const acked = await scoped.waitFor((e) => e.event === 'alert.acknowledged' && e.data.id === 'ev-a');
      expect(acked.data).toMatchObject({ site: 'site-a', acknowledgedBy: 'operator@example.com' });
      await admin.waitFor((e) => e.event === 'alert.acknowledged' && e.data.id === 'ev-a');
      // A job run is platform-wide: shown to unscoped callers only.
      await f.pool.query(
        `INSERT INTO job_runs (id, trigger, status, requested_by, config, config_hash) VALUES ('run-ev', 'manual', 'running', 't', '{}', 'h')`,
      );
      await f.pool.query(`UPDATE job_runs SET status = 'succeeded' WHERE id = 'run-ev'`);
      await admin.waitFor((e) => e.event === 'run.finished' && e.data.id === 'run-ev');
      expect(admin.events.some((e) => e.event === 'run.started' && e.data.id === 'run-ev')).toBe(true);
      await new Promise((r) => setTimeout(r, 300));
      expect(scoped.events.every((e) => e.data.site === 'site-a')).toBe(true);
      const ids = admin.events.map((e) => Number(e.id));
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      await admin.close();
      await scoped.close();
    });

    it('resumes after Last-Event-ID with exactly the events missed', async () => {
      const first = await openSse(`${base}/v1/events`, f.auth('admin'));
      await openAlert('ev-r1', 'site-a');
      const seen = await first.waitFor((e) => e.data.id === 'ev-r1');
      await first.close();
      await openAlert('ev-r2', 'site-a');
      await openAlert('ev-r3', 'site-b');
      await f.pool.query(`UPDATE alerts SET state = 'resolved', resolved_at = now() WHERE id = 'ev-r2'`);
      const resumed = await openSse(`${base}/v1/events`, { ...f.auth('admin'), 'last-event-id': seen.id as string });
      await resumed.waitFor((e) => e.event === 'alert.resolved' && e.data.id === 'ev-r2');
      expect(resumed.events.map((e) => `${e.event}:${e.data.id}`)).toEqual([
        'alert.opened:ev-r2',
        'alert.opened:ev-r3',
        'alert.resolved:ev-r2',
      ]);
      await resumed.close();
      const bad = await fetch(`${base}/v1/events`, { headers: { ...f.auth('admin'), 'last-event-id': 'abc' } });
      expect(bad.status).toBe(400);
    });
  });
}
