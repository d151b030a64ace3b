import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasTool, runProcess, type TestDatabase, tempDir, testDatabase } from '@ysh/test-helpers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GeoStandIns, startGeoStandIns } from './testing/geo-stand-ins.ts';

/** The real `ysh proposta` process against a database of its own. */
describe('ysh proposta', () => {
  let db: TestDatabase;
  let dir: { path: string; remove(): Promise<void> };
  let env: NodeJS.ProcessEnv;
  let geo: GeoStandIns;
  beforeAll(async () => {
    db = await testDatabase();
    dir = await tempDir('ysh-proposta-');
    geo = await startGeoStandIns();
    env = {
      YSH_DATABASE_URL: db.url,
      YSH_DATA_DIR: dir.path,
      YSH_LOG_LEVEL: 'warn',
      YSH_PROPOSTAS_GEOCODER_URL: geo.nominatimUrl,
      YSH_PROPOSTAS_GEOCODER_USER_AGENT: 'ysh-proposta-test/1 (contato@example.com)',
    };
  }, 120_000);
  afterAll(async () => {
    await geo?.close();
    await db?.close();
    await dir?.remove();
  });

  it.skipIf(!hasTool('pdftotext'))(
    'new --file examples/quote-b1.json prints the summary and writes the PDF; list, show and pdf find it',
    async () => {
      const pdf = join(dir.path, 'b1.pdf');
      const r = await runProcess(['proposta', 'new', '--file', 'examples/quote-b1.json', '--out', pdf], { env });
      expect(r.stderr).toContain('EXAMPLE catalog');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('proposta exemplo-b1 — Maria Exemplo (B1, CEMIG-D/MG)');
      expect(r.stdout).toMatch(/sistema\s+\d+\.\d\d kWp/);
      expect(r.stdout).toMatch(/TIR \d+,\d % · VPL a 10.0 % R\$ [\d.]+,\d\d · payback \d+,\d anos/);
      expect(r.stdout).toContain('regime       GD II');
      expect(existsSync(pdf)).toBe(true);
      expect(execFileSync('pdftotext', [pdf, '-'], { encoding: 'utf8' })).toContain('Maria Exemplo');

      const list = await runProcess(['proposta', 'list'], { env });
      expect(list.code).toBe(0);
      expect(list.stdout).toMatch(/exemplo-b1\s+open\s+B1\s+CEMIG-D/);
      const show = await runProcess(['proposta', 'show', 'exemplo-b1', '--json'], { env });
      const p = JSON.parse(show.stdout);
      expect(p.versions).toEqual({ model: '1', catalog: 'exemplo-1', tariff: 'quote' });
      expect(p.assumptions.length).toBeGreaterThan(15);
      const again = join(dir.path, 'again.pdf');
      const pdfCmd = await runProcess(['proposta', 'pdf', 'exemplo-b1', '--out', again], { env });
      expect(pdfCmd.code).toBe(0);
      expect(existsSync(again)).toBe(true);
    },
    120_000,
  );

  it('an invalid quote gets one line per field and exit code 1', async () => {
    const bad = join(dir.path, 'bad.json');
    writeFileSync(bad, JSON.stringify({ customer: { name: '', class: 'A4' }, uf: 'Minas', connection: 'mono' }));
    const r = await runProcess(['proposta', 'new', '--file', bad], { env });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('JOBS_QUOTE_INVALID');
    for (const field of [
      '/customer/name',
      '/customer/class',
      '/uf',
      '/distribuidora',
      '/consumption',
      '/location',
      '/roof',
    ])
      expect(r.stderr).toContain(field);
  }, 60_000);

  it.skipIf(!hasTool('pdftotext'))(
    'new with a city and no lat/lon: located through the geocoder (asked once), shown with the city',
    async () => {
      const example = JSON.parse(readFileSync('examples/quote-b1.json', 'utf8'));
      const quote = (id: string, city: string) => {
        const file = join(dir.path, `${id}.json`);
        writeFileSync(file, JSON.stringify({ ...example, id, location: { city } }));
        return file;
      };
      geo.nominatim.length = 0;
      const pdf = join(dir.path, 'bh.pdf');
      const r = await runProcess(['proposta', 'new', '--file', quote('bh-cidade', 'Belo Horizonte'), '--out', pdf], {
        env,
      });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(
        'local        Belo Horizonte/MG (-19,9227, -43,9451), coordenadas da cidade, por OpenStreetMap Nominatim (© colaboradores do OpenStreetMap)',
      );
      expect(geo.nominatim).toHaveLength(1);
      expect(geo.nominatim[0]).toMatchObject({
        path: '/search',
        query: { city: 'Belo Horizonte', state: 'Minas Gerais', country: 'Brazil', format: 'jsonv2', limit: '1' },
        userAgent: 'ysh-proposta-test/1 (contato@example.com)',
      });
      const text = execFileSync('pdftotext', [pdf, '-'], { encoding: 'utf8' });
      expect(text).toContain('Belo Horizonte/MG');
      expect(text).toContain('OpenStreetMap Nominatim');
      const shown = JSON.parse((await runProcess(['proposta', 'show', 'bh-cidade', '--json'], { env })).stdout);
      expect(shown.quote.location).toEqual({
        city: 'Belo Horizonte',
        uf: 'MG',
        lat: -19.9227318,
        lon: -43.9450948,
        source: 'nominatim',
      });

      // another process, the same city: the database's cache answers
      const again = await runProcess(
        ['proposta', 'new', '--file', quote('bh-cidade-2', 'belo horizonte'), '--out', pdf],
        {
          env,
        },
      );
      expect(again.code).toBe(0);
      expect(geo.nominatim).toHaveLength(1);

      const nowhere = await runProcess(['proposta', 'new', '--file', quote('lugar-nenhum', 'Cidade Inexistente')], {
        env,
      });
      expect(nowhere.code).toBe(1);
      expect(nowhere.stderr).toContain('JOBS_QUOTE_INVALID');
      expect(nowhere.stderr).toContain('/location: cidade "Cidade Inexistente/MG" não encontrada; informe lat/lon');
      expect(nowhere.stderr).not.toMatch(/at .*\.ts:\d+/);
    },
    120_000,
  );

  it('an unknown proposal is JOBS_PROPOSAL_NOT_FOUND', async () => {
    const r = await runProcess(['proposta', 'show', 'nope'], { env });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('JOBS_PROPOSAL_NOT_FOUND');
  }, 60_000);
});
