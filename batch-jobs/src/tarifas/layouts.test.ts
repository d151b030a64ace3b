import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDelimited } from '../parsing/csv.ts';
import { ANEEL_FIXTURES_DIR } from './index.ts';
import { normalizeBandeira, normalizeOfficial, normalizeScraped } from './layouts.ts';
import { parseTariffFile } from './tarifas-raw.ts';
import { normalizeTariffRows } from './tarifas-normalized.ts';

const FIX = join(import.meta.dirname, 'fixtures');
const file = (dir: string, name: string) => parseTariffFile({ name, bytes: readFileSync(join(dir, name)) });
const SCRAPED = { reh: 'sem REH', vigenciaStart: '2023-02-24', vigenciaEnd: null };

describe('ANEEL layouts', () => {
  it('detects each layout', () => {
    expect(file(ANEEL_FIXTURES_DIR, 'tarifas-homologadas_raw-layout_reconstructed_2rows.csv').layout).toBe(
      'official-csv',
    );
    expect(file(ANEEL_FIXTURES_DIR, 'aneel-datastore-tarifas-homologadas_2records.json').layout).toBe('datastore-json');
    expect(file(ANEEL_FIXTURES_DIR, 'aneel-tarifas-scraped-2023_tarifas_direto.csv').layout).toBe('scraped-2023');
    expect(file(ANEEL_FIXTURES_DIR, 'bandeira-tarifaria-acionamento.csv').layout).toBe('bandeiras-csv');
    expect(file(FIX, 'cemig-b1-datastore.json').rows).toHaveLength(3);
  });

  it('the official CSV and the datastore JSON give the same rows (Equatorial PI, with the U+0096 defect)', () => {
    const csv = file(ANEEL_FIXTURES_DIR, 'tarifas-homologadas_raw-layout_reconstructed_2rows.csv').rows;
    const json = file(ANEEL_FIXTURES_DIR, 'aneel-datastore-tarifas-homologadas_2records.json').rows;
    const a = csv.map((r) => normalizeOfficial(r.record));
    const b = json.map((r) => normalizeOfficial(r.record));
    expect(a).toEqual(b);
    expect(a[0]).toEqual({
      ok: true,
      row: {
        distribuidora: 'Equatorial PI',
        cnpj: '06840748000189',
        reh: 'RESOLUÇÃO HOMOLOGATÓRIA Nº 3.292, DE 28 DE NOVEMBRO DE 2023',
        vigenciaStart: '2023-12-02',
        vigenciaEnd: '2024-12-01',
        baseTarifaria: 'Tarifa de Aplicação',
        subgrupo: 'B4',
        modalidade: 'Convencional',
        classe: 'Iluminação pública',
        subclasse: 'Iluminação pública – B4b',
        detalhe: 'SCEE',
        posto: null,
        unit: 'kWh',
        acessante: null,
        te: 0.02984,
        tusd: 0,
        tusdFioB: null,
      },
    });
  });

  it('official CSV (Latin-1), datastore JSON and the scraped layout agree on the same record', () => {
    const official = file(FIX, 'cemig-b1-official.csv');
    const json = file(FIX, 'cemig-b1-datastore.json');
    const scrapedAll = readDelimited(
      readFileSync(join(ANEEL_FIXTURES_DIR, 'aneel-tarifas-scraped-2023_tarifas_direto.csv')),
    );
    const scraped = scrapedAll.rows.find(
      (r) =>
        r.record.CONCESSIONARIA === 'CEMIG-D' &&
        r.record.SUBGRUPO === 'B1' &&
        r.record.MODALIDADE === 'Convencional' &&
        r.record.SUBCLASSE === 'Residencial',
    );
    const fields = (res: ReturnType<typeof normalizeOfficial>) => {
      if (!res.ok) throw new Error(res.reason);
      const { reh: _r, cnpj: _c, vigenciaEnd: _e, ...rest } = res.row;
      return { ...rest, tusdFioB: null };
    };
    const a = fields(normalizeOfficial(official.rows[0]?.record ?? {}));
    const b = fields(normalizeOfficial(json.rows[0]?.record ?? {}));
    const c = fields(normalizeScraped(scraped?.record ?? {}, SCRAPED));
    // Hand-checked: 244,00 and 409,13 R$/MWh are 0.244 and 0.40913 R$/kWh.
    expect(a).toEqual({
      distribuidora: 'CEMIG-D',
      vigenciaStart: '2023-02-24',
      baseTarifaria: 'Tarifa de Aplicação',
      subgrupo: 'B1',
      modalidade: 'Convencional',
      classe: 'Residencial',
      subclasse: 'Residencial',
      detalhe: null,
      posto: null,
      unit: 'kWh',
      acessante: null,
      te: 0.244,
      tusd: 0.40913,
      tusdFioB: null,
    });
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    const fioB = normalizeScraped(scraped?.record ?? {}, SCRAPED);
    expect(fioB.ok && fioB.row.tusdFioB).toBe(0.2327572);
  });

  it('keeps one row per key when the same record comes in two layouts, official CSV first', () => {
    const raw = [
      ...file(FIX, 'cemig-b1-datastore.json').rows.map((r, i) => ({
        id: String(i + 10),
        layout: 'datastore-json',
        source_file: 'cemig-b1-datastore.json',
        line: r.line,
        file_sha256: 'j',
        record: r.record,
      })),
      ...file(FIX, 'cemig-b1-official.csv').rows.map((r, i) => ({
        id: String(i + 1),
        layout: 'official-csv',
        source_file: 'cemig-b1-official.csv',
        line: r.line,
        file_sha256: 'c',
        record: r.record,
      })),
    ];
    const { rows, rejected, sameRecord } = normalizeTariffRows(raw, SCRAPED);
    expect(rows).toHaveLength(3);
    expect(new Set(rows.map((r) => r.sourceFile))).toEqual(new Set(['cemig-b1-official.csv']));
    expect(sameRecord).toBe(3);
    expect(rejected).toEqual([]);
  });

  it('reads bandeiras: ",00" is zero, R$/MWh to R$/kWh', () => {
    expect(
      normalizeBandeira({
        DatCompetencia: '2024-10-01',
        NomBandeiraAcionada: 'Vermelha P2',
        VlrAdicionalBandeira: '78,77',
      }),
    ).toEqual({
      ok: true,
      row: { competencia: '2024-10-01', name: 'Vermelha P2', addBrlPerKwh: 0.07877, generatedAt: null },
    });
    const verde = normalizeBandeira({
      DatCompetencia: '2026-04-01',
      NomBandeiraAcionada: 'Verde',
      VlrAdicionalBandeira: ',00',
    });
    expect(verde.ok && verde.row.addBrlPerKwh).toBe(0);
    expect(
      normalizeBandeira({ DatCompetencia: '2024-13-01', NomBandeiraAcionada: 'Verde', VlrAdicionalBandeira: '1' }).ok,
    ).toBe(false);
  });

  it('rejects rows it cannot read, with the reason', () => {
    const bad = normalizeOfficial({
      DscREH: 'R',
      SigAgente: 'X',
      DatInicioVigencia: '2024-01-01',
      DatFimVigencia: '',
      DscBaseTarifaria: 'Tarifa de Aplicação',
      DscSubGrupo: 'B1',
      DscModalidadeTarifaria: 'Convencional',
      DscUnidadeTerciaria: 'GWh',
      VlrTE: '1',
      VlrTUSD: '1',
    });
    expect(bad).toEqual({ ok: false, reason: 'unknown unit "GWh"' });
    const nan = normalizeScraped(
      {
        CONCESSIONARIA: 'X',
        SUBGRUPO: 'B1',
        MODALIDADE: 'Convencional',
        UNIDADE: 'MWh',
        'Total TE': 'abc',
        'Total TUSD': '1',
      },
      SCRAPED,
    );
    expect(nan).toEqual({ ok: false, reason: 'unreadable TE' });
  });
});
