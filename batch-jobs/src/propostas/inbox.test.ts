import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DATABASE_KINDS, type TempDir, type TestDatabase, tempDir } from '@ysh/test-helpers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestEngine } from '../testing/harness.ts';
import type { PropostasConfig } from './config.ts';
import { openRejections, propostasInboxDefinitions, propostasInboxDir } from './inbox.ts';
import type { Proposal } from './proposal.ts';
import { type GeoStandIns, standInConfig, startGeoStandIns } from './testing/geo-stand-ins.ts';

const EXAMPLE = new URL('../../../examples/quotes-inbox.csv', import.meta.url);
const HEADER =
  'id,cliente,classe,distribuidora,uf,cidade,ligacao,consumo_medio,inclinacao,azimute,area_m2,preco_wp,taxa_financiamento,meses\n';
const BAD_FILE =
  HEADER +
  'boa-1,Carla Teste,B1,CEMIG-D,MG,Belo Horizonte,bi,450,20,0,40,3.1,,\n' +
  'ruim-1,,A4,CEMIG-D,MG,Belo Horizonte,quad,abc,20,0,40,3.1,,\n' +
  'ruim-2,Davi Teste,B1,CEMIG-D,MG,Cidade Inexistente,mono,300,20,0,40,3.1,,\n' +
  'ruim-3,Eva Teste,B1,CEMIG-D,MG,Belo Horizonte,mono,300,20,0,40,3.1,1.5,\n' +
  ',Fábio Teste,B1,CEMIG-D,MG,Belo Horizonte,mono,300,20,0,40,3.1,,\n';
const BAD_ROWS = [
  {
    file: 'vendas-ruins.csv',
    line: 3,
    errors: [
      'vendas-ruins.csv linha 3: cliente: Expected required property (missing)',
      'vendas-ruins.csv linha 3: classe: expected one of "B1", "B3" (valor "A4")',
      'vendas-ruins.csv linha 3: ligacao: expected one of "mono", "bi", "tri" (valor "quad")',
      'vendas-ruins.csv linha 3: consumo_medio: Expected number (valor "abc")',
    ],
  },
  {
    file: 'vendas-ruins.csv',
    line: 4,
    errors: [
      'vendas-ruins.csv linha 4: lat/lon ou cidade: cidade "Cidade Inexistente/MG" não encontrada; informe lat/lon',
    ],
  },
  {
    file: 'vendas-ruins.csv',
    line: 5,
    errors: ['vendas-ruins.csv linha 5: meses: Expected required property (missing)'],
  },
];

/** Tariffs the gold lookup answers with (the stand-in of tarifas_gold's rows). */
async function seedTariffs(db: TestDatabase): Promise<void> {
  await db.pool.query(
    `INSERT INTO tarifas_gold (distribuidora, subgrupo, modalidade, classe, subclasse, vigencia_start, reh, te_brl_kwh,
       tusd_brl_kwh, tusd_fio_b_brl_kwh, normalized_id, layout, source_file, line, source_hash)
     VALUES ('CEMIG-D', 'B1', 'Convencional', 'Residencial', 'Residencial', '2024-01-01', 'REH teste', 0.31, 0.47, 0.26, 1, 'test', 't.csv', 2, 'h1'),
            ('CEMIG-D', 'B3', 'Convencional', 'Comercial', 'Comercial', '2024-01-01', 'REH teste', 0.31, 0.47, 0.26, 2, 'test', 't.csv', 3, 'h1'),
            ('COPEL-DIS', 'B1', 'Convencional', 'Residencial', 'Residencial', '2024-01-01', 'REH teste', 0.26, 0.31, 0.14, 3, 'test', 't.csv', 4, 'h1')`,
  );
}

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.enabled)(`the quote inbox on ${kind.kind}`, () => {
    let db: TestDatabase;
    let s: GeoStandIns;
    let tmp: TempDir;
    let inbox: string;
    let engine: TestEngine;

    const sensorRuns = async () =>
      (
        await db.pool.query<{ id: string }>(
          `SELECT id FROM job_runs WHERE requested_by = 'sensor:propostas_inbox' ORDER BY created_at, id`,
        )
      ).rows.map((r) => r.id);
    /** Writes files into the inbox and waits for the run the sensor starts for them. */
    async function drop(files: Record<string, string | Buffer>) {
      const before = (await sensorRuns()).length;
      for (const [name, content] of Object.entries(files)) await writeFile(join(inbox, name), content);
      const deadline = Date.now() + 30_000;
      for (;;) {
        const runs = await sensorRuns();
        if (runs.length > before) return engine.wait(runs[runs.length - 1] as string);
        if (Date.now() > deadline) throw new Error('the sensor started no run');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    /** Removes files from the inbox and waits until the sensor has seen them go. */
    async function remove(...names: string[]) {
      for (const n of names) await rm(join(inbox, n));
      const deadline = Date.now() + 30_000;
      for (;;) {
        const { rows } = await db.pool.query<{ cursor: Record<string, string> }>(
          `SELECT cursor FROM job_sensor_cursors WHERE sensor = 'propostas_inbox'`,
        );
        if (!names.some((n) => n in (rows[0]?.cursor ?? {}))) return;
        if (Date.now() > deadline) throw new Error('the sensor did not see the files go');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const metadata = async (runId: string) =>
      (
        await db.pool.query<{ metadata: Record<string, unknown> }>(
          `SELECT metadata FROM asset_materializations WHERE run_id = $1 AND asset_key = 'propostas_inbox'`,
          [runId],
        )
      ).rows[0]?.metadata;
    const proposals = async () =>
      (
        await db.pool.query<{ id: string; origin: string; computed_at: Date }>(
          'SELECT id, origin, computed_at FROM propostas ORDER BY id',
        )
      ).rows;
    const result = async (id: string) =>
      (await db.pool.query<{ result: Proposal }>('SELECT result FROM propostas WHERE id = $1', [id])).rows[0]?.result;

    beforeAll(async () => {
      db = await kind.open();
      s = await startGeoStandIns();
      s.cities.set('São João del-Rei|Minas Gerais', {
        lat: '-21.1356',
        lon: '-44.2619',
        display_name: 'São João del-Rei, Minas Gerais, Brasil',
      });
      tmp = await tempDir('ysh-propostas-inbox-');
      inbox = propostasInboxDir(tmp.path);
      await mkdir(inbox, { recursive: true });
      await seedTariffs(db);
      const config: PropostasConfig = standInConfig(s);
      const defs = propostasInboxDefinitions({ inboxDir: tmp.path, config });
      engine = new TestEngine(db.url, defs.assets, defs.sensors);
      await engine.startWorker({ schedules: true });
    }, 180_000);
    afterAll(async () => {
      await engine?.close();
      await s?.close();
      await db?.close();
      await tmp?.remove();
    });

    it('the example file: every row a proposal, made as ysh proposta new makes one, the cities located once', async () => {
      const { run, steps } = await drop({ 'quotes-inbox.csv': await readFile(EXAMPLE) });
      expect(run.status).toBe('succeeded');
      expect(steps.map((st) => [st.asset_key, st.status])).toEqual([['propostas_inbox', 'succeeded']]);
      expect(await proposals()).toMatchObject([
        { id: 'exemplo-csv-b1', origin: 'inbox:quotes-inbox.csv' },
        { id: 'exemplo-csv-b1-pr', origin: 'inbox:quotes-inbox.csv' },
        { id: 'exemplo-csv-b3', origin: 'inbox:quotes-inbox.csv' },
      ]);
      const b1 = await result('exemplo-csv-b1');
      expect(b1?.quote.location).toEqual({
        city: 'Belo Horizonte',
        uf: 'MG',
        lat: -19.9227318,
        lon: -43.9450948,
        source: 'nominatim',
      });
      expect(b1?.financing).toMatchObject({ monthlyRate: 0.0149, months: 60, downPaymentBrl: 5000 });
      expect(b1?.irradiance.source).toContain('NASA POWER');
      expect(b1?.tariff.provenance).toContain('REH teste');
      const b3 = await result('exemplo-csv-b3');
      expect(b3?.quote.location).toMatchObject({ lat: -18.92, lon: -48.28, source: 'quote' });
      expect(b3?.customer).toEqual({ name: 'Padaria Exemplo Ltda (valores de EXEMPLO)', class: 'B3' });
      expect(s.nominatim.map((r) => r.query.city).sort()).toEqual(['Belo Horizonte', 'Curitiba']);
      expect(s.nasa).toHaveLength(3);
      expect(await metadata(run.id)).toMatchObject({ madeCount: 3, rejectedCount: 0, rejected: [] });
    }, 120_000);

    it('a file with bad rows: the good rows become proposals, each bad row one error per field, shown where an operator looks', async () => {
      const { run, steps } = await drop({ 'vendas-ruins.csv': BAD_FILE });
      expect(steps[0]?.status).toBe('succeeded');
      const ids = (await proposals()).map((p) => p.id);
      expect(ids).toContain('boa-1');
      expect(ids).toContain('csv-vendas-ruins-6');
      for (const bad of ['ruim-1', 'ruim-2', 'ruim-3']) expect(ids).not.toContain(bad);
      // Belo Horizonte was cached by the first file: only the unknown city was asked
      expect(s.nominatim.map((r) => r.query.city)).toEqual(['Belo Horizonte', 'Curitiba', 'Cidade Inexistente']);

      const meta = await metadata(run.id);
      expect(meta?.rejected).toEqual(BAD_ROWS);
      expect(meta?.made).toEqual([
        { file: 'vendas-ruins.csv', line: 2, id: 'boa-1' },
        { file: 'vendas-ruins.csv', line: 6, id: 'csv-vendas-ruins-6' },
      ]);
      const checks = await db.pool.query<{ severity: string; passed: boolean; details: Record<string, unknown> }>(
        `SELECT severity, passed, details FROM asset_check_results WHERE run_id = $1 AND check_name = 'rejected_quote_rows'`,
        [run.id],
      );
      expect(checks.rows).toEqual([{ severity: 'warn', passed: false, details: { rejectedRows: 3, rows: BAD_ROWS } }]);
      const logs = await db.pool.query<{ message: string }>(
        `SELECT message FROM job_step_logs WHERE run_id = $1 AND level = 'warn' AND message LIKE 'quote row rejected%' ORDER BY id`,
        [run.id],
      );
      expect(logs.rows.map((l) => l.message)).toEqual(
        BAD_ROWS.map((r) => `quote row rejected: ${r.errors.join('; ')}`),
      );
    }, 120_000);

    it('a Latin-1 file with ";" and decimal commas', async () => {
      const latin1 = Buffer.from(
        'Cliente;Classe;Distribuidora;UF;Cidade;Ligação;Consumo Médio (kWh);Inclinação (°);Azimute (°);Área (m²);Preço (R$/Wp);Taxa (% a.m.);Parcelas;Entrada (R$)\r\n' +
          'João Conceição;B1;CEMIG-D;MG;São João del-Rei;Monofásico;1.234,5;18,5;10;62,5;3,05;1,2%;48;2.500,00\r\n',
        'latin1',
      );
      const { steps } = await drop({ 'latin1.csv': latin1 });
      expect(steps[0]?.status).toBe('succeeded');
      const p = await result('csv-latin1-2');
      expect(p?.customer.name).toBe('João Conceição');
      expect(p?.consumption.annualKwh).toBeCloseTo(12 * 1234.5, 6);
      expect(p?.quote.roof).toEqual({ tiltDeg: 18.5, azimuthDeg: 10, areaM2: 62.5 });
      expect(p?.quote.financing).toEqual({ monthlyRate: 0.012, months: 48, downPaymentBrl: 2500 });
      expect(p?.quote.location).toMatchObject({ city: 'São João del-Rei', lat: -21.1356, source: 'nominatim' });
    }, 120_000);

    it('the same file dropped again — a copy, removed and dropped back, renamed, or forced — makes no proposal twice', async () => {
      const before = await proposals();
      const nasa = s.nasa.length;
      // an identical copy beside the original adds nothing to read: the step finds the inbox unchanged
      const copy = await drop({ 'copia-quotes.csv': await readFile(EXAMPLE) });
      expect(copy.steps.map((st) => st.status)).toEqual(['up_to_date']);
      await remove('copia-quotes.csv', 'quotes-inbox.csv');
      const back = await drop({ 'quotes-inbox.csv': await readFile(EXAMPLE) });
      expect(back.steps.map((st) => st.status)).toEqual(['up_to_date']);
      // forced, every file is looked at again and found processed
      const forced = await engine.runAndWait({ assets: ['propostas_inbox'], force: true });
      expect(forced.steps.map((st) => st.status)).toEqual(['succeeded']);
      expect(await metadata(forced.run.id)).toMatchObject({ madeCount: 0, rejectedCount: 0, skipped: [] });
      // the same content under a new name, the original gone: recognised by its hash
      await remove('quotes-inbox.csv');
      const renamed = await drop({ 'de-novo.csv': await readFile(EXAMPLE) });
      expect(renamed.steps.map((st) => st.status)).toEqual(['succeeded']);
      expect(await metadata(renamed.run.id)).toMatchObject({
        madeCount: 0,
        skipped: [{ file: 'de-novo.csv', reason: 'identical to quotes-inbox.csv, already processed' }],
      });
      expect(await proposals()).toEqual(before);
      expect(s.nasa.length).toBe(nasa);
    }, 120_000);

    it('an edited file: the fixed row becomes a proposal, unchanged rows are left alone; a removed file’s rejections close', async () => {
      const before = await proposals();
      const nasa = s.nasa.length;
      const { run } = await drop({
        'vendas-ruins.csv': BAD_FILE.replace(
          'ruim-1,,A4,CEMIG-D,MG,Belo Horizonte,quad,abc,',
          'ruim-1,Gil Teste,B1,CEMIG-D,MG,Belo Horizonte,tri,380,',
        ),
      });
      const meta = await metadata(run.id);
      expect(meta?.made).toEqual([{ file: 'vendas-ruins.csv', line: 3, id: 'ruim-1' }]);
      expect(meta?.unchangedRows).toBe(2);
      expect(s.nasa.length).toBe(nasa + 1);
      const after = await proposals();
      expect(after.find((p) => p.id === 'boa-1')?.computed_at).toEqual(
        before.find((p) => p.id === 'boa-1')?.computed_at,
      );
      expect((await openRejections(db.pool)).rows.map((r) => r.line)).toEqual([4, 5]);

      await remove('vendas-ruins.csv');
      const other = await drop({
        'outro.csv': `${HEADER}outro-1,Hugo Teste,B1,CEMIG-D,MG,Belo Horizonte,bi,500,20,0,40,3.1,,\n`,
      });
      expect(other.steps[0]?.status).toBe('succeeded');
      expect(await openRejections(db.pool)).toEqual({ total: 0, rows: [] });
      const check = await db.pool.query<{ passed: boolean }>(
        `SELECT passed FROM asset_check_results WHERE run_id = $1 AND check_name = 'rejected_quote_rows'`,
        [other.run.id],
      );
      expect(check.rows).toEqual([{ passed: true }]);
      // the proposals of the removed file stay
      expect((await proposals()).map((p) => p.id)).toContain('boa-1');
    }, 120_000);

    it('a passing failure (NASA POWER down) fails the step as retriable; the retry makes only the missing row', async () => {
      const nasa = s.nasa.length;
      s.fail('nasa', 1, 503);
      const { run, steps } = await drop({
        'instavel.csv':
          'id,cliente,classe,distribuidora,uf,lat,lon,ligacao,consumo_medio,inclinacao,azimute,area_m2,preco_wp\n' +
          'inst-1,Iara Teste,B1,CEMIG-D,MG,-19.9,-43.9,bi,420,20,0,40,3.1\n' +
          'inst-2,Joel Teste,B1,CEMIG-D,MG,-19.8,-43.8,bi,380,20,0,40,3.1\n',
      });
      expect(run.status).toBe('succeeded');
      expect(steps[0]?.status).toBe('succeeded');
      const attempts = await db.pool.query<{ attempt: number; outcome: string; code: string | null }>(
        `SELECT attempt, outcome, error->>'code' AS code FROM job_step_attempts WHERE run_id = $1 ORDER BY attempt`,
        [run.id],
      );
      expect(attempts.rows.map((a) => [a.attempt, a.code])).toEqual([
        [1, 'JOBS_TRANSIENT'],
        [2, null],
      ]);
      expect(await metadata(run.id)).toMatchObject({
        made: [{ file: 'instavel.csv', line: 2, id: 'inst-1' }],
        unchangedRows: 1,
      });
      expect(s.nasa.length).toBe(nasa + 3);
      const ids = (await proposals()).map((p) => p.id);
      expect(ids.filter((id) => id.startsWith('inst-'))).toEqual(['inst-1', 'inst-2']);
    }, 120_000);

    it("a row the tariff lookup cannot price is rejected on distribuidora with the lookup's message", async () => {
      const { run, steps } = await drop({
        'sem-tarifa.csv':
          'id;cliente;classe;distribuidora;uf;lat;lon;ligacao;consumo_medio;inclinacao;azimute;area_m2;preco_wp\n' +
          'sem-tarifa-1;Kauê Teste;B1;NOVA-DIST;MG;-19,9;-43,9;bi;420;20;0;40;3,1\n',
      });
      expect(steps[0]?.status).toBe('succeeded');
      const rejected = (await metadata(run.id))?.rejected as Array<{ line: number; errors: string[] }>;
      expect(rejected.map((r) => r.line)).toEqual([2]);
      expect(rejected[0]?.errors).toHaveLength(1);
      expect(rejected[0]?.errors[0]).toMatch(/^sem-tarifa\.csv linha 2: distribuidora: .*NOVA-DIST/);
      expect((await proposals()).map((p) => p.id)).not.toContain('sem-tarifa-1');
    }, 120_000);

    it('a file that is not a quote CSV is one rejection for the whole file', async () => {
      const { run } = await drop({ 'feed.csv': 'Fabricante;Modelo;Preço R$\nJA Solar;JAM72S30-550/MR;1.099,00\n' });
      expect((await metadata(run.id))?.rejected).toEqual([
        {
          file: 'feed.csv',
          line: 0,
          errors: [
            'feed.csv: o cabeçalho não tem as colunas do layout de cotações (cliente, classe, distribuidora…): Fabricante, Modelo, Preço R$',
          ],
        },
      ]);
      expect((await openRejections(db.pool)).rows.filter((r) => r.file === 'feed.csv')).toEqual([
        { file: 'feed.csv', line: 0, errors: [expect.stringMatching(/^feed\.csv: o cabeçalho/)] },
      ]);
    }, 120_000);
  });
}
