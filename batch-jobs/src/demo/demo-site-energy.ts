import { rowCountChange } from '../checks/builders.ts';
import { defineAsset } from '../graph/asset.ts';

/** gold: energy and specific yield per site; scheduled every 5 minutes, due before 08:00 on business days. */
export const demoSiteEnergy = defineAsset({
  key: 'demo_site_energy',
  layer: 'gold',
  description: 'Energy and specific yield (kWh/kWp) per site',
  deps: ['demo_meter_daily', 'demo_sites'],
  codeVersion: '1',
  schedule: { cron: '*/5 * * * *' },
  freshness: { deadline: '0 8 * * 1-5' },
  checks: [rowCountChange({ maxPercent: 50, severity: 'warn' })],
  async materialize(ctx) {
    await ctx.db.query(
      `INSERT INTO demo_site_energy (site, days, energy_kwh, yield_kwh_kwp)
       SELECT d.site, count(*)::int, coalesce(sum(d.energy_kwh), 0), coalesce(sum(d.energy_kwh), 0) / s.capacity_kwp
       FROM demo_meter_daily d JOIN demo_sites s USING (site) GROUP BY d.site, s.capacity_kwp
       ON CONFLICT (site) DO UPDATE SET days = EXCLUDED.days, energy_kwh = EXCLUDED.energy_kwh,
         yield_kwh_kwp = EXCLUDED.yield_kwh_kwp`,
    );
    await ctx.db.query(
      'DELETE FROM demo_site_energy e WHERE NOT EXISTS (SELECT 1 FROM demo_meter_daily d WHERE d.site = e.site)',
    );
    const { rows } = await ctx.db.query<{ n: string; total: number | null }>(
      'SELECT count(*) AS n, sum(energy_kwh) AS total FROM demo_site_energy',
    );
    return { rowCount: Number(rows[0]?.n ?? 0), metadata: { total_kwh: rows[0]?.total ?? 0 } };
  },
});
