import { Type } from '@sinclair/typebox';
import { defineAsset } from '../graph/asset.ts';
import { versionHash } from '../versions/data-version.ts';

const Site = Type.Object({
  site: Type.String({ minLength: 1 }),
  name: Type.String(),
  capacity_kwp: Type.Number({ exclusiveMinimum: 0 }),
});

/** raw: the demo's site list, from configuration (an upsert plus a delete of the rest: idempotent). */
export const demoSites = defineAsset({
  key: 'demo_sites',
  layer: 'raw',
  description: 'Sites of the demo fleet with their capacity (from config)',
  deps: [],
  codeVersion: '1',
  config: {
    schema: Type.Object({ sites: Type.Array(Site, { minItems: 1 }) }, { additionalProperties: false }),
    defaults: {
      sites: [
        { site: 'site-sp-001', name: 'Campinas rooftop', capacity_kwp: 75 },
        { site: 'site-mg-002', name: 'Uberlândia carport', capacity_kwp: 120 },
        { site: 'site-ba-003', name: 'Salvador warehouse', capacity_kwp: 250 },
      ],
    },
  },
  async materialize(ctx) {
    const sites = ctx.config.sites;
    await ctx.db.query(
      `INSERT INTO demo_sites (site, name, capacity_kwp) SELECT * FROM unnest($1::text[], $2::text[], $3::float8[])
       ON CONFLICT (site) DO UPDATE SET name = EXCLUDED.name, capacity_kwp = EXCLUDED.capacity_kwp`,
      [sites.map((s) => s.site), sites.map((s) => s.name), sites.map((s) => s.capacity_kwp)],
    );
    await ctx.db.query('DELETE FROM demo_sites WHERE NOT (site = ANY($1::text[]))', [sites.map((s) => s.site)]);
    return {
      rowCount: sites.length,
      fingerprint: versionHash('demo_sites', sites),
      metadata: { sites: sites.map((s) => s.site) },
    };
  },
});
