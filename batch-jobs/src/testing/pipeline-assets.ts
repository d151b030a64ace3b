import { Type } from '@sinclair/typebox';
import { acceptedRange, notNull } from '../checks/builders.ts';
import { defineAsset, type AnyAsset } from '../graph/asset.ts';
import { versionHash } from '../versions/data-version.ts';

/** Tables of the test pipeline src -> norm -> gold. */
export const PIPELINE_TABLES = `
  CREATE TABLE t_src (id int PRIMARY KEY, v double precision);
  CREATE TABLE t_norm (id int PRIMARY KEY, v double precision, src_id int NOT NULL);
  CREATE TABLE t_gold (k text PRIMARY KEY, total double precision, n int);
  INSERT INTO t_src SELECT i, i * 10 FROM generate_series(1, 5) i;`;

/**
 * A three-layer test pipeline: src observes t_src (a changed row changes its
 * source version), norm copies it scaled by config (rows with id < min_id
 * left out) with provenance, gold sums. norm has a blocking range check and a
 * warning not-null check.
 */
export function pipelineAssets(o: { normCode?: string } = {}): AnyAsset[] {
  const src = defineAsset({
    key: 'src',
    layer: 'raw',
    deps: [],
    codeVersion: '1',
    async observe(ctx) {
      const { rows } = await ctx.db.query<{ h: string | null }>(
        `SELECT md5(string_agg(id || ':' || coalesce(v::text, 'null'), ',' ORDER BY id)) AS h FROM t_src`,
      );
      return versionHash('t_src', rows[0]?.h ?? null);
    },
    async materialize(ctx) {
      const { rows } = await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM t_src');
      return { rowCount: rows[0]?.n ?? 0, fingerprint: ctx.sourceVersion };
    },
  });
  const norm = defineAsset({
    key: 'norm',
    layer: 'normalized',
    deps: ['src'],
    codeVersion: o.normCode ?? '1',
    config: {
      schema: Type.Object(
        { factor: Type.Number(), min_id: Type.Integer({ minimum: 0 }) },
        { additionalProperties: false },
      ),
      defaults: { factor: 1, min_id: 0 },
    },
    checks: [
      acceptedRange({ table: 't_norm', column: 'v', min: 0 }),
      notNull({ table: 't_norm', column: 'v', severity: 'warn' }),
    ],
    async materialize(ctx) {
      await ctx.db.query('DELETE FROM t_norm');
      const { rowCount } = await ctx.db.query(
        'INSERT INTO t_norm (id, v, src_id) SELECT id, v * $1, id FROM t_src WHERE id >= $2',
        [ctx.config.factor, ctx.config.min_id],
      );
      return { rowCount: rowCount ?? 0, metadata: { factor: ctx.config.factor } };
    },
  });
  const gold = defineAsset({
    key: 'gold',
    layer: 'gold',
    deps: ['norm'],
    codeVersion: '1',
    async materialize(ctx) {
      const { rows } = await ctx.db.query<{ total: number | null; n: number }>(
        `INSERT INTO t_gold (k, total, n) SELECT 'all', coalesce(sum(v), 0), count(*) FROM t_norm
         ON CONFLICT (k) DO UPDATE SET total = EXCLUDED.total, n = EXCLUDED.n RETURNING total, n`,
      );
      return { rowCount: 1, metadata: { total: rows[0]?.total ?? 0, n: rows[0]?.n ?? 0 } };
    },
  });
  return [src, norm, gold];
}
