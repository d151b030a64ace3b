import { Type } from '@sinclair/typebox';
import { acceptedRange, customCheck, notNull, referential, unique } from '../checks/builders.ts';
import { defineAsset } from '../graph/asset.ts';

/**
 * normalized: "site,day,energy_kwh" lines typed into one row per (site, day),
 * each carrying its provenance (raw row id, source file and line). A value
 * above `max_kwh` is kept as NULL (a warning check reports it).
 */
export const demoMeterDaily = defineAsset({
  key: 'demo_meter_daily',
  layer: 'normalized',
  description: 'Daily energy per site, typed, with provenance',
  deps: ['demo_meter_raw', 'demo_sites'],
  codeVersion: '1',
  config: {
    schema: Type.Object({ max_kwh: Type.Number({ exclusiveMinimum: 0 }) }, { additionalProperties: false }),
    defaults: { max_kwh: 5000 },
  },
  checks: [
    notNull({ table: 'demo_meter_daily', column: 'energy_kwh', severity: 'warn' }),
    acceptedRange({ table: 'demo_meter_daily', column: 'energy_kwh', min: 0 }),
    unique({ table: 'demo_meter_daily', columns: ['site', 'day'] }),
    referential({ table: 'demo_meter_daily', column: 'site', refTable: 'demo_sites', refColumn: 'site' }),
    customCheck({
      name: 'every_raw_line_parsed',
      severity: 'warn',
      async run(ctx) {
        const { rows } = await ctx.db.query<{ n: string }>(
          `SELECT count(*) AS n FROM demo_meter_raw r WHERE r.line > 1
             AND NOT EXISTS (SELECT 1 FROM demo_meter_daily d WHERE d.raw_id = r.id)`,
        );
        const n = Number(rows[0]?.n ?? 0);
        return { passed: n === 0, details: { unparsedLines: n } };
      },
    }),
  ],
  async materialize(ctx) {
    // Newest line wins for a (site, day) given twice; lines that do not parse are left out (and counted by a check).
    const { rowCount } = await ctx.db.query(
      `WITH parsed AS (
         SELECT r.id, r.source_file, r.line, split_part(r.content, ',', 1) AS site,
                split_part(r.content, ',', 2) AS day, split_part(r.content, ',', 3) AS kwh
         FROM demo_meter_raw r WHERE r.line > 1),
       typed AS (
         SELECT DISTINCT ON (site, day::date) site, day::date AS day,
                CASE WHEN kwh::float8 <= $1 THEN kwh::float8 END AS energy_kwh, id, source_file, line
         FROM parsed WHERE day ~ '^\\d{4}-\\d{2}-\\d{2}$' AND kwh ~ '^-?\\d+(\\.\\d+)?$'
         ORDER BY site, day::date, source_file DESC, line DESC)
       INSERT INTO demo_meter_daily (site, day, energy_kwh, raw_id, source_file, line)
       SELECT site, day, energy_kwh, id, source_file, line FROM typed
       ON CONFLICT (site, day) DO UPDATE SET energy_kwh = EXCLUDED.energy_kwh, raw_id = EXCLUDED.raw_id,
         source_file = EXCLUDED.source_file, line = EXCLUDED.line`,
      [ctx.config.max_kwh],
    );
    await ctx.db.query(
      'DELETE FROM demo_meter_daily d WHERE NOT EXISTS (SELECT 1 FROM demo_meter_raw r WHERE r.id = d.raw_id)',
    );
    const { rows } = await ctx.db.query<{ n: string; nulls: string }>(
      'SELECT count(*) AS n, count(*) FILTER (WHERE energy_kwh IS NULL) AS nulls FROM demo_meter_daily',
    );
    ctx.log.info('normalized', { upserted: rowCount });
    return { rowCount: Number(rows[0]?.n ?? 0), metadata: { above_max: Number(rows[0]?.nulls ?? 0) } };
  },
});
