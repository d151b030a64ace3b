import { copyFile, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_KINDS, type TempDir, type TestDatabase, tempDir } from '@ysh/test-helpers';
import { JobsError } from '../errors.ts';
import { TestEngine } from '../testing/harness.ts';
import { ANEEL_FIXTURES_DIR, tarifasDefinitions } from './index.ts';
import { lookupTariff } from './lookup.ts';
import { mergeTaxTable } from './taxes.ts';

const FIX = join(import.meta.dirname, 'fixtures');
const statuses = (steps: Array<{ asset_key: string; status: string }>) =>
  Object.fromEntries(steps.map((s) => [s.asset_key, s.status]));

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.enabled)(`tarifas assets on ${kind.kind}`, () => {
    let db: TestDatabase;
    let engine: TestEngine;
    let tmp: TempDir;
    let aneel: string;

    beforeAll(async () => {
      db = await kind.open();
      tmp = await tempDir('ysh-tarifas-');
      aneel = join(tmp.path, 'inbox', 'aneel');
      await mkdir(aneel, { recursive: true });
      for (const f of [
        'aneel-tarifas-scraped-2023_tarifas_direto.csv',
        'bandeira-tarifaria-acionamento.csv',
        'tarifas-homologadas_raw-layout_reconstructed_2rows.csv',
        'aneel-datastore-tarifas-homologadas_2records.json',
      ])
        await copyFile(join(ANEEL_FIXTURES_DIR, f), join(aneel, f));
      engine = new TestEngine(db.url, tarifasDefinitions({ inboxDir: join(tmp.path, 'inbox') }).assets);
      await engine.startWorker();
    }, 180_000);
    afterAll(async () => {
      await engine?.close();
      await db?.close();
      await tmp?.remove();
    });

    it('materializes raw -> normalized, bandeiras -> gold with passing checks', async () => {
      const { run, steps } = await engine.runAndWait({ assets: ['tarifas_gold'], upstream: true });
      expect(statuses(steps)).toEqual({
        tarifas_raw: 'succeeded',
        tarifas_normalized: 'succeeded',
        bandeiras: 'succeeded',
        tarifas_gold: 'succeeded',
      });
      expect(run.status).toBe('succeeded');
      const { rows } = await db.pool.query<{ n: number; months: number }>(
        'SELECT (SELECT count(*)::int FROM bandeiras) AS months, (SELECT count(DISTINCT distribuidora)::int FROM tarifas_gold) AS n',
      );
      expect(rows[0]?.months).toBe(136); // 2015-01 .. 2026-04
      expect(rows[0]?.n).toBeGreaterThan(90);
      // The datastore JSON and the reconstructed CSV carry the same two records: kept once.
      const eq = await db.pool.query<{ n: number; layout: string }>(
        `SELECT count(*)::int AS n, min(layout) AS layout FROM tarifas_normalized WHERE distribuidora = 'Equatorial PI' AND detalhe = 'SCEE'`,
      );
      expect(eq.rows[0]).toEqual({ n: 2, layout: 'official-csv' });
    }, 180_000);

    it('quotes CEMIG-D B1 all-in, hand-computed to the centavo', async () => {
      const q = await lookupTariff(db.pool, { distribuidora: 'cemig-d', subgrupo: 'b1', date: '2024-10-15' });
      // By hand: TE 244,00 + TUSD 409,13 R$/MWh = 0.244 + 0.40913; Vermelha P2 (2024-10) 78,77 R$/MWh = 0.07877;
      // net 0.73190 R$/kWh; MG: ICMS 18 %, PIS 1.10 %, COFINS 5.08 % -> 1 - 0.2418 = 0.7582;
      // 0.73190 / 0.7582 = 0.965313 R$/kWh, 100 kWh = R$ 96.53.
      expect(q).toMatchObject({
        distribuidora: 'CEMIG-D',
        subgrupo: 'B1',
        modalidade: 'Convencional',
        classe: 'Residencial',
        date: '2024-10-15',
        vigenciaStart: '2023-02-24',
        vigenciaEnd: null,
        teBrlPerKwh: 0.244,
        tusdBrlPerKwh: 0.40913,
        bandeira: { competencia: '2024-10', name: 'Vermelha P2', addBrlPerKwh: 0.07877 },
        taxes: { uf: 'MG', icms: 0.18, pis: 0.011, cofins: 0.0508 },
      });
      expect(q.tusdFioBBrlPerKwh).toBeCloseTo(0.2327572, 7);
      expect(q.allInBrlPerKwh).toBeCloseTo(0.965313, 6);
      expect(Math.round(q.allInBrlPerKwh * 100 * 100) / 100).toBe(96.53);
      // Configured PIS/COFINS of the month: 18 % + 0.65 % + 2.99 % = 21.64 % -> 0.73190 / 0.7836 = 0.934022;
      // 100 kWh = R$ 93.40.
      const custom = await lookupTariff(
        db.pool,
        { distribuidora: 'CEMIG-D', subgrupo: 'B1', date: '2024-10-15' },
        { taxes: mergeTaxTable({ byDistribuidora: { 'CEMIG-D': { uf: 'MG', pis: 0.0065, cofins: 0.0299 } } }) },
      );
      expect(custom.taxes).toEqual({ uf: 'MG', icms: 0.18, pis: 0.0065, cofins: 0.0299 });
      expect(Math.round(custom.allInBrlPerKwh * 100 * 100) / 100).toBe(93.4);
      // A month without a published flag: no bandeira, net = TE + TUSD.
      const late = await lookupTariff(db.pool, { distribuidora: 'CEMIG-D', subgrupo: 'B1', date: '2026-11-30' });
      expect(late.bandeira).toBeNull();
      expect(late.allInBrlPerKwh).toBeCloseTo(0.65313 / 0.7582, 9);
    });

    it('traces the quote back to its raw file and line', async () => {
      const q = await lookupTariff(db.pool, { distribuidora: 'CEMIG-D', subgrupo: 'B1', date: '2024-10-15' });
      expect(q.provenance.file).toBe('aneel-tarifas-scraped-2023_tarifas_direto.csv');
      const { rows } = await db.pool.query<{ record: Record<string, string> }>(
        'SELECT record FROM tarifas_raw WHERE source_file = $1 AND line = $2',
        [q.provenance.file, q.provenance.line],
      );
      expect(rows[0]?.record).toMatchObject({
        CONCESSIONARIA: 'CEMIG-D',
        SUBGRUPO: 'B1',
        MODALIDADE: 'Convencional',
        SUBCLASSE: 'Residencial',
        'Total TE': '244.0',
        'Total TUSD': '409.13',
      });
    });

    it("a B3 commercial customer gets the B3 row ANEEL publishes without classe ('Não se aplica')", async () => {
      const q = await lookupTariff(db.pool, {
        distribuidora: 'CEMIG-D',
        subgrupo: 'B3',
        classe: 'Comercial',
        date: '2024-10-15',
      });
      // CEMIG-D,B3,Convencional,Não se aplica,…,244.0 (TE),409.13 (TUSD),232.757… (Fio B) in R$/MWh
      expect(q.teBrlPerKwh).toBeCloseTo(0.244, 9);
      expect(q.tusdBrlPerKwh).toBeCloseTo(0.40913, 9);
      const { rows } = await db.pool.query<{ record: Record<string, string> }>(
        'SELECT record FROM tarifas_raw WHERE source_file = $1 AND line = $2',
        [q.provenance.file, q.provenance.line],
      );
      expect(rows[0]?.record).toMatchObject({ SUBGRUPO: 'B3', CLASSE: 'Não se aplica', MODALIDADE: 'Convencional' });
      // a classe the subgrupo names explicitly still wins over the rows without one
      const b1 = await lookupTariff(db.pool, { distribuidora: 'CEMIG-D', subgrupo: 'B1', date: '2024-10-15' });
      expect(b1.classe).toBe('Residencial');
    });

    it('says clearly when no tariff is in force', async () => {
      await expect(
        lookupTariff(db.pool, { distribuidora: 'CEMIG-D', subgrupo: 'B1', date: '2020-01-01' }),
      ).rejects.toMatchObject({
        code: 'JOBS_TARIFF_NOT_FOUND',
        message: expect.stringContaining('2023-02-24'),
      });
      await expect(lookupTariff(db.pool, { distribuidora: 'CEMIG', subgrupo: 'B1' })).rejects.toMatchObject({
        code: 'JOBS_TARIFF_NOT_FOUND',
        message: expect.stringContaining('CEMIG-D'),
      });
      await expect(
        lookupTariff(db.pool, { distribuidora: 'CEMIG-D', subgrupo: 'B1', date: '2024-02-30' }),
      ).rejects.toBeInstanceOf(JobsError);
    });

    it('overlapping vigências fail the check and keep the gold table as it was', async () => {
      await copyFile(join(FIX, 'overlapping-vigencias.csv'), join(aneel, 'overlapping-vigencias.csv'));
      const { run, steps } = await engine.runAndWait({ assets: ['tarifas_gold'], upstream: true });
      expect(run.status).toBe('failed');
      expect(statuses(steps)).toMatchObject({ tarifas_normalized: 'failed', tarifas_gold: 'blocked' });
      const step = steps.find((s) => s.asset_key === 'tarifas_normalized') as unknown as { error: unknown };
      expect(JSON.stringify(step.error)).toContain('vigencias_do_not_overlap');
      const gold = await db.pool.query(`SELECT 1 FROM tarifas_gold WHERE distribuidora = 'DIS TESTE'`);
      expect(gold.rows).toHaveLength(0);
      await rm(join(aneel, 'overlapping-vigencias.csv'));
      const again = await engine.runAndWait({ assets: ['tarifas_gold'], upstream: true });
      expect(again.run.status).toBe('succeeded');
    }, 180_000);
  });
}
