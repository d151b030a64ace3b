import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_KINDS, runProcess, type TempDir, type TestDatabase, tempDir } from '@ysh/test-helpers';
import type { TariffQuote } from './tariff-quote.ts';

// Four real `ysh` processes against the database: run on PostgreSQL only (YSH_TEST_DATABASE_URL).
// Against PGlite served from the test process they take minutes on a loaded machine; the same
// lookup and materialization run on PGlite in tarifas-assets.test.ts.
const postgres = DATABASE_KINDS.filter((k) => k.kind === 'postgres');
if (!postgres.some((k) => k.enabled))
  console.log(
    'SKIP ysh tarifa CLI test: YSH_TEST_DATABASE_URL is not set (lookup covered on PGlite by tarifas-assets.test.ts)',
  );

for (const kind of postgres) {
  describe.skipIf(!kind.enabled)(`ysh jobs seed-domain + ysh tarifa on ${kind.kind}`, () => {
    let db: TestDatabase;
    let tmp: TempDir;
    const env = () => ({
      YSH_DATABASE_URL: db.url,
      YSH_DATA_DIR: tmp.path,
      YSH_JOBS_SCHEDULES: 'false',
      YSH_JOBS_POLL_INTERVAL: '500ms',
      YSH_LOG_LEVEL: 'warn',
    });
    beforeAll(async () => {
      db = await kind.open();
      tmp = await tempDir('ysh-tarifa-cli-');
    }, 180_000);
    afterAll(async () => {
      await db?.close();
      await tmp?.remove();
    });

    it('seeds the inbox once, materializes the tariffs, prints the breakdown and the JSON quote', async () => {
      const seeded = await runProcess(['jobs', 'seed-domain'], { env: env() });
      expect(seeded.code).toBe(0);
      expect((await readdir(join(tmp.path, 'inbox', 'aneel'))).sort()).toEqual([
        'aneel-datastore-tarifas-homologadas_2records.json',
        'aneel-tarifas-scraped-2023_tarifas_direto.csv',
        'bandeira-tarifaria-acionamento.csv',
        'tarifas-homologadas_raw-layout_reconstructed_2rows.csv',
      ]);
      expect((await readdir(join(tmp.path, 'inbox', 'catalog'))).sort()).toEqual([
        'distribuidora-sul.csv',
        'norte-inversores.csv',
        'solar-atacado-export.csv',
      ]);

      const mat = await runProcess(['jobs', 'materialize', 'tarifas_gold', '--upstream', '--local'], { env: env() });
      expect(mat.stderr).not.toContain('"level":50');
      expect(mat.code).toBe(0);

      const text = await runProcess(
        ['tarifa', '--distribuidora', 'CEMIG-D', '--subgrupo', 'B1', '--date', '2024-10-15'],
        {
          env: env(),
        },
      );
      expect(text.code).toBe(0);
      expect(text.stdout).toContain('bandeira        R$ 0.078770 /kWh   (Vermelha P2, 2024-10)');
      expect(text.stdout).toContain('all-in          R$ 0.965313 /kWh');
      expect(text.stdout).toContain('100 kWh = R$ 96.53');
      expect(text.stdout).toContain('aneel-tarifas-scraped-2023_tarifas_direto.csv line 1287');

      const json = await runProcess(
        ['tarifa', '--distribuidora', 'CEMIG-D', '--subgrupo', 'B1', '--date', '2024-10-15', '--json'],
        { env: env() },
      );
      const quote = JSON.parse(json.stdout) as TariffQuote;
      expect(quote).toMatchObject({
        teBrlPerKwh: 0.244,
        tusdBrlPerKwh: 0.40913,
        provenance: { file: 'aneel-tarifas-scraped-2023_tarifas_direto.csv', line: 1287 },
      });
    }, 600_000);
  });
}
