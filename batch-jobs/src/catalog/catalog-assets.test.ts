import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_KINDS, type TempDir, type TestDatabase, tempDir } from '@ysh/test-helpers';
import { TestEngine } from '../testing/harness.ts';
import { getCatalogItem, listCatalogItems } from './catalog-store.ts';
import { CEC_DATA_DIR, FEED_EXAMPLES_DIR, catalogDefinitions } from './index.ts';

const ASSETS = ['catalog_cec_raw', 'catalog_feeds_raw', 'items_normalized', 'catalog_items'];
const statuses = (steps: Array<{ asset_key: string; status: string }>) =>
  Object.fromEntries(steps.map((s) => [s.asset_key, s.status]));

/** A small CEC directory: the SAM header lines and a few data lines of each list (kept fast on PGlite). */
async function smallCec(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const mods = (await readFile(join(CEC_DATA_DIR, 'sam-library-cec-modules-2021-12-01_every10th.csv'), 'utf8')).split(
    '\n',
  );
  const ja = mods.filter((l) => l.startsWith('JA Solar JAM72S01-365/PR,'));
  await writeFile(
    join(dir, 'sam-library-cec-modules-2021-12-01_every10th.csv'),
    [...mods.slice(0, 43), ...ja, ''].join('\n'),
  );
  const invs = (await readFile(join(CEC_DATA_DIR, 'sam-library-cec-inverters-2019-03-05.csv'), 'utf8')).split('\n');
  await writeFile(join(dir, 'sam-library-cec-inverters-2019-03-05.csv'), [...invs.slice(0, 33), ''].join('\n'));
}

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.enabled)(`catalog assets on ${kind.kind}`, () => {
    let db: TestDatabase;
    let engine: TestEngine;
    let tmp: TempDir;
    let inbox: string;
    const latest = async (asset: string) =>
      (
        await db.pool.query<{ data_version: string }>('SELECT data_version FROM asset_latest WHERE asset_key = $1', [
          asset,
        ])
      ).rows[0]?.data_version;
    const count = async (table: string) =>
      Number((await db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n);

    beforeAll(async () => {
      db = await kind.open();
      tmp = await tempDir('ysh-catalog-');
      const cecDir = join(tmp.path, 'cec');
      await smallCec(cecDir);
      inbox = join(tmp.path, 'inbox', 'catalog');
      await mkdir(inbox, { recursive: true });
      for (const f of ['distribuidora-sul.csv', 'solar-atacado-export.csv', 'norte-inversores.csv'])
        await copyFile(join(FEED_EXAMPLES_DIR, f), join(inbox, f));
      engine = new TestEngine(db.url, catalogDefinitions({ inboxDir: join(tmp.path, 'inbox'), cecDir }).assets);
      await engine.startWorker();
    }, 180_000);
    afterAll(async () => {
      await engine?.close();
      await db?.close();
      await tmp?.remove();
    });

    it('materializes the catalog: merged products, best price, sources, conflicts, quarantine', async () => {
      const { run, steps } = await engine.runAndWait({ assets: ['catalog_items'], upstream: true });
      expect(run.status).toBe('succeeded');
      expect(statuses(steps)).toEqual(Object.fromEntries(ASSETS.map((a) => [a, 'succeeded'])));

      const ja = await getCatalogItem(db.pool, 'MOD-JASOLAR-JAM72S30550MR');
      expect(ja).toMatchObject({
        kind: 'module',
        brand: 'JA Solar',
        priceBrl: 1079,
        sources: ['feed:distribuidora-sul.csv', 'feed:solar-atacado-export.csv'],
        conflicts: [],
      });
      const growatt = await getCatalogItem(db.pool, 'INV-GROWATT-MIN5000TLX');
      expect(growatt?.priceBrl).toBe(4190);
      expect(growatt?.sources).toEqual(['feed:norte-inversores.csv', 'feed:solar-atacado-export.csv']);

      // The CEC lab values win; the feed's Voc 48.5 V and efficiency 18.8 % disagree with CEC (47.93 V, 365.045/1884).
      const ja365 = await getCatalogItem(db.pool, 'MOD-JASOLAR-JAM72S01365PR');
      expect(ja365?.sources).toEqual(['cec-modules', 'feed:distribuidora-sul.csv']);
      expect(ja365?.priceBrl).toBe(690);
      expect(ja365?.kind === 'module' && ja365.specs.vocV).toBe(47.93);
      const fields = ja365?.conflicts.map((c) => c.field);
      expect(fields).toContain('vocV');
      expect(fields).toContain('efficiency');
      expect(ja365?.conflicts.find((c) => c.field === 'vocV')?.values).toEqual({
        'cec-modules': 47.93,
        'feed:distribuidora-sul.csv': 48.5,
      });

      const q = await db.pool.query<{ source_file: string; line: number; reason: string }>(
        `SELECT source_file, line, reason FROM catalog_quarantine WHERE source LIKE 'feed:%' ORDER BY source_file, line`,
      );
      expect(q.rows).toEqual([
        { source_file: 'distribuidora-sul.csv', line: 6, reason: 'Pmax 5500 W outside 50–800 W' },
        { source_file: 'distribuidora-sul.csv', line: 7, reason: 'efficiency 0 % outside 5–26 %' },
        { source_file: 'distribuidora-sul.csv', line: 9, reason: 'kind "Estrutura" is not carried by the catalog' },
        { source_file: 'norte-inversores.csv', line: 5, reason: 'max input current must be positive' },
        { source_file: 'norte-inversores.csv', line: 6, reason: 'kind "String box" is not carried by the catalog' },
        {
          source_file: 'solar-atacado-export.csv',
          line: 5,
          reason: 'duplicate of solar-atacado-export.csv line 4 (same SKU MOD-RISENENERGY-RSM1108550BMDG)',
        },
      ]);
      const checks = await db.pool.query<{ check_name: string; passed: boolean }>(
        `SELECT c.check_name, c.passed FROM asset_check_results c JOIN job_steps s ON s.run_id = c.run_id
         WHERE c.run_id = $1 GROUP BY 1, 2 ORDER BY 1`,
        [run.id],
      );
      const byName = Object.fromEntries(checks.rows.map((c) => [c.check_name, c.passed]));
      expect(byName).toMatchObject({
        unique_sku: true,
        key_specs_not_null: true,
        module_physical_ranges: true,
        inverter_physical_ranges: true,
        quarantine_share_per_file: true,
        spec_conflicts: false,
      });
    }, 120_000);

    it('lists and filters gold items', async () => {
      const mods = await listCatalogItems(db.pool, { kind: 'module', brand: 'ja solar', minPowerW: 500 });
      expect(mods.map((m) => m.sku)).toEqual(['MOD-JASOLAR-JAM72S30550MR']);
      const cheap = await listCatalogItems(db.pool, { q: 'growatt 5000', maxPriceBrl: 4200 });
      expect(cheap.map((m) => m.sku)).toEqual(['INV-GROWATT-MIN5000TLX']);
      const page1 = await listCatalogItems(db.pool, { kind: 'inverter', limit: 2 });
      const page2 = await listCatalogItems(db.pool, { kind: 'inverter', limit: 2, cursor: page1.at(-1)?.sku });
      expect(page1).toHaveLength(2);
      expect((page2[0]?.sku ?? '') > (page1[1]?.sku ?? '')).toBe(true);
      expect(await getCatalogItem(db.pool, 'MOD-NOPE-X')).toBeNull();
    });

    it('traces a gold row back to its raw file and line', async () => {
      const { rows } = await db.pool.query<{ source_file: string; line: number; model: string; price: string }>(
        `SELECT r.source_file, r.line, r.record->>'model' AS model, r.record->>'price_brl' AS price
         FROM catalog_items g JOIN items_normalized n ON n.sku = g.sku
         JOIN catalog_feeds_raw r ON n.raw_table = 'catalog_feeds_raw' AND r.id = n.raw_id
         WHERE g.sku = 'MOD-JASOLAR-JAM72S30550MR' AND n.source = 'feed:solar-atacado-export.csv'`,
      );
      expect(rows).toEqual([
        { source_file: 'solar-atacado-export.csv', line: 2, model: 'JAM72S30-550/MR', price: '1079.00' },
      ]);
    });

    it('a re-dropped identical feed changes nothing', async () => {
      const before = { version: await latest('catalog_items'), items: await count('items_normalized') };
      await copyFile(join(inbox, 'distribuidora-sul.csv'), join(inbox, 'distribuidora-sul (1).csv'));
      const { steps } = await engine.runAndWait({ assets: ['catalog_items'], upstream: true });
      expect(statuses(steps)).toEqual(Object.fromEntries(ASSETS.map((a) => [a, 'up_to_date'])));
      expect(await latest('catalog_items')).toBe(before.version);
      expect(await count('items_normalized')).toBe(before.items);
      expect(await count(`catalog_feeds_raw WHERE source_file = 'distribuidora-sul (1).csv'`)).toBe(0);
    }, 120_000);

    it('one changed price re-materializes only what depends on the feed', async () => {
      const file = join(inbox, 'solar-atacado-export.csv');
      await writeFile(file, (await readFile(file, 'utf8')).replace(',1079.00\n', ',1039.90\n'));
      const before = await latest('catalog_cec_raw');
      const { run, steps } = await engine.runAndWait({ assets: ['catalog_items'], upstream: true });
      expect(run.status).toBe('succeeded');
      expect(statuses(steps)).toEqual({
        catalog_cec_raw: 'up_to_date',
        catalog_feeds_raw: 'succeeded',
        items_normalized: 'succeeded',
        catalog_items: 'succeeded',
      });
      expect(await latest('catalog_cec_raw')).toBe(before);
      expect((await getCatalogItem(db.pool, 'MOD-JASOLAR-JAM72S30550MR'))?.priceBrl).toBe(1039.9);
    }, 120_000);

    it('a feed with too many quarantined rows is stopped before gold', async () => {
      const goldBefore = await latest('catalog_items');
      await writeFile(
        join(inbox, 'zz-ruim.csv'),
        'marca;modelo;potencia_w;eficiencia;vmp;imp;voc;isc;coef_temp_pmax;coef_temp_voc;preco\n' +
          'Acme;AC-450;4500;21;41;11;49;11,5;-0,35;-0,27;900\n' +
          'Acme;AC-460;460;0;41;11,2;49;11,8;-0,35;-0,27;910\n' +
          'Acme;AC-470;470;21,5;41,5;11,33;49,5;11,9;-0,35;-0,27;920\n',
      );
      const { run, steps } = await engine.runAndWait({ assets: ['catalog_items'], upstream: true });
      expect(run.status).toBe('failed');
      expect(statuses(steps)).toMatchObject({ items_normalized: 'failed', catalog_items: 'blocked' });
      const step = steps.find((s) => s.asset_key === 'items_normalized') as unknown as { error: { details?: unknown } };
      expect(JSON.stringify(step.error)).toContain('zz-ruim.csv');
      expect(await latest('catalog_items')).toBe(goldBefore);
      expect(await getCatalogItem(db.pool, 'MOD-ACME-AC470')).toBeNull();
    }, 120_000);
  });
}
