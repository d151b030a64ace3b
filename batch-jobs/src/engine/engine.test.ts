import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_KINDS, type TestDatabase } from '../../../tests/src/helpers/db.ts';
import { defineAsset, type AnyAsset } from '../graph/asset.ts';
import { TestEngine } from '../testing/harness.ts';

/** A diamond a -> (b, c) -> d writing into one table; each materialization appends one row per run. */
function diamond(log: string[]): AnyAsset[] {
  const mk = (key: string, deps: string[]) =>
    defineAsset({
      key,
      layer: deps.length === 0 ? 'raw' : 'gold',
      deps,
      codeVersion: '1',
      async materialize(ctx) {
        log.push(key);
        await ctx.db.query(
          'INSERT INTO t_diamond (run_id, asset) VALUES ($1, $2) ON CONFLICT DO NOTHING',
          [ctx.runId, key],
        );
        return { rowCount: 1 };
      },
    });
  return [mk('a', []), mk('b', ['a']), mk('c', ['a']), mk('d', ['b', 'c'])];
}

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.enabled)(`engine on ${kind.kind}`, () => {
    let db: TestDatabase;
    let engine: TestEngine;
    const log: string[] = [];
    beforeAll(async () => {
      db = await kind.open();
      await db.pool.query('CREATE TABLE t_diamond (run_id text, asset text, PRIMARY KEY (run_id, asset))');
      engine = new TestEngine(db.url, diamond(log));
      await engine.startWorker();
    }, 60_000);
    afterAll(async () => {
      await engine?.close();
      await db?.close();
    });

    it('materializes a diamond once per asset in dependency order', async () => {
      const { run, steps } = await engine.runAndWait({ assets: ['a'], downstream: true });
      expect(run.status).toBe('succeeded');
      expect(steps.map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
      expect(log[0]).toBe('a');
      expect(log.at(-1)).toBe('d');
      expect([...log].sort()).toEqual(['a', 'b', 'c', 'd']);
      const { rows } = await db.pool.query('SELECT asset FROM t_diamond WHERE run_id = $1 ORDER BY asset', [run.id]);
      expect(rows.map((r) => r.asset)).toEqual(['a', 'b', 'c', 'd']);
      const m = await db.pool.query('SELECT count(*)::int AS n FROM asset_materializations WHERE run_id = $1', [run.id]);
      expect(m.rows[0].n).toBe(4);
    }, 60_000);

    it('skips assets whose inputs did not change', async () => {
      log.length = 0;
      const { run, steps } = await engine.runAndWait({ assets: ['a'], downstream: true });
      expect(run.status).toBe('succeeded');
      expect(steps.map((s) => s.status)).toEqual(['up_to_date', 'up_to_date', 'up_to_date', 'up_to_date']);
      expect(log).toEqual([]);
    }, 60_000);
  });
}
