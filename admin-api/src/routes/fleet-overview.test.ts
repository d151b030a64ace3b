import { DATABASE_KINDS, type TestDatabase } from '@ysh/test-helpers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiFixture, apiFixture } from '../testing/fixture.ts';

/**
 * GET /v1/fleet reads rollups that triggers on window_results keep (migration 0440). Its values
 * must stay those of the windows themselves: checked against an aggregate of window_results
 * after new windows, a revised window (the processor's ON CONFLICT update) and a window of the
 * previous local day.
 */
for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.enabled)(`fleet overview values on ${kind.kind}`, () => {
    let db: TestDatabase;
    let f: ApiFixture;
    beforeAll(async () => {
      db = await kind.open();
      f = await apiFixture(db);
      await db.pool.query(
        `INSERT INTO sites (id, name, timezone) VALUES ('ov-sp', 'Overview SP', 'America/Sao_Paulo'),
                                                     ('ov-tokyo', 'Overview Tokyo', 'Asia/Tokyo')`,
      );
    }, 300_000);
    afterAll(async () => {
      await f?.close();
      await db?.close();
    });

    /** Windows as the processor writes them (a state further along, i.e. with more readings, replaces the stored one). */
    const write = (
      rows: Array<{
        device: string;
        site: string;
        minutesAgo: number;
        energy: number;
        avail: number;
        power: number;
        samples?: number;
      }>,
    ) =>
      db.pool.query(
        `INSERT INTO window_results (device, window_start, site, window_end, revision, samples, expected, availability,
                                     energy_wh, ac_power_w_mean, state)
         SELECT x.device, date_trunc('minute', now()) - (x.m || ' minutes')::interval, x.site,
                date_trunc('minute', now()) - ((x.m - 5) || ' minutes')::interval, 0, x.n, 30, x.a, x.e, x.p, '{}'
           FROM jsonb_to_recordset($1::jsonb) AS x(device text, site text, m int, e float8, a float8, p float8, n int)
         ON CONFLICT (device, window_start) DO UPDATE SET revision = window_results.revision + 1,
           samples = EXCLUDED.samples, availability = EXCLUDED.availability, energy_wh = EXCLUDED.energy_wh,
           ac_power_w_mean = EXCLUDED.ac_power_w_mean, updated_at = now()
         WHERE window_results.samples < EXCLUDED.samples`,
        [
          JSON.stringify(
            rows.map((r) => ({
              device: r.device,
              site: r.site,
              m: r.minutesAgo,
              e: r.energy,
              a: r.avail,
              p: r.power,
              n: r.samples ?? Math.round(r.avail * 30),
            })),
          ),
        ],
      );

    /** The same figures straight from window_results. */
    const expected = async () => {
      const { rows } = await db.pool.query<{
        site: string;
        energy: number | null;
        avail: number | null;
        power: number | null;
        last: Date | null;
      }>(
        `SELECT s.id AS site,
                (SELECT sum(w.energy_wh) FROM window_results w
                  WHERE w.site = s.id AND w.window_start >= date_trunc('day', now() AT TIME ZONE s.timezone) AT TIME ZONE s.timezone) AS energy,
                (SELECT avg(w.availability) FROM window_results w
                  WHERE w.site = s.id AND w.window_start >= date_trunc('day', now() AT TIME ZONE s.timezone) AT TIME ZONE s.timezone) AS avail,
                (SELECT sum(p) FROM (SELECT DISTINCT ON (device) ac_power_w_mean AS p FROM window_results w
                  WHERE w.site = s.id ORDER BY device, window_start DESC) d) AS power,
                (SELECT max(window_end) FROM window_results w WHERE w.site = s.id) AS last
           FROM sites s WHERE s.id LIKE 'ov-%' ORDER BY s.id`,
      );
      return rows.map((r) => ({
        site: r.site,
        energyTodayKwh: r.energy === null ? null : Number(r.energy) / 1000,
        availability: r.avail === null ? null : Number(r.avail),
        powerW: r.power === null ? null : Number(r.power),
        lastData: r.last === null ? null : r.last.toISOString(),
      }));
    };
    const overview = async () => {
      const res = await f.app.inject({ url: '/v1/fleet?q=ov-&limit=10', headers: f.auth('viewer') });
      expect(res.statusCode, res.body).toBe(200);
      const items = res.json().items as Array<Record<string, unknown>>;
      return items
        .map((i) => ({
          site: i.site,
          energyTodayKwh: i.energyTodayKwh === null ? null : Number((i.energyTodayKwh as number).toFixed(9)),
          availability: i.availability === null ? null : Number((i.availability as number).toFixed(9)),
          powerW: i.powerW,
          lastData: i.lastData,
        }))
        .sort((a, b) => String(a.site).localeCompare(String(b.site)));
    };
    const rounded = async () =>
      (await expected()).map((e) => ({
        ...e,
        energyTodayKwh: e.energyTodayKwh === null ? null : Number(e.energyTodayKwh.toFixed(9)),
        availability: e.availability === null ? null : Number(e.availability.toFixed(9)),
      }));

    it('energy, availability and power of today match the windows, after new and revised windows', async () => {
      // Nothing yet: no energy, no power.
      expect(await overview()).toEqual(await rounded());
      await write([
        { device: 'ov-sp-1', site: 'ov-sp', minutesAgo: 10, energy: 410, avail: 1, power: 4900 },
        { device: 'ov-sp-1', site: 'ov-sp', minutesAgo: 15, energy: 400, avail: 0.9, power: 4800 },
        { device: 'ov-sp-2', site: 'ov-sp', minutesAgo: 10, energy: 300, avail: 0.8, power: 3600 },
        { device: 'ov-tokyo-1', site: 'ov-tokyo', minutesAgo: 10, energy: 200, avail: 1, power: 2400 },
        // the previous local day in both time zones: not in today's energy
        { device: 'ov-sp-1', site: 'ov-sp', minutesAgo: 26 * 60, energy: 999, avail: 0.1, power: 10 },
        { device: 'ov-tokyo-1', site: 'ov-tokyo', minutesAgo: 26 * 60, energy: 999, avail: 0.1, power: 10 },
      ]);
      const first = await overview();
      expect(first).toEqual(await rounded());
      expect(first.find((s) => s.site === 'ov-sp')?.powerW).toBe(8500);

      // Late readings revise a window (27 → 30 readings); an earlier state arriving after it changes nothing.
      await write([{ device: 'ov-sp-1', site: 'ov-sp', minutesAgo: 15, energy: 450, avail: 1, power: 5000 }]);
      await write([{ device: 'ov-sp-1', site: 'ov-sp', minutesAgo: 15, energy: 1, avail: 0, power: 1, samples: 27 }]);
      const revised = await overview();
      expect(revised).toEqual(await rounded());
      expect(revised.find((s) => s.site === 'ov-sp')?.energyTodayKwh).not.toBe(
        first.find((s) => s.site === 'ov-sp')?.energyTodayKwh,
      );
      // The newest window of each device gives the power: a revision of an older one does not.
      expect(revised.find((s) => s.site === 'ov-sp')?.powerW).toBe(8500);
    });
  });
}
