import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasTool, tempDir } from '@ysh/test-helpers';
import { describe, expect, it } from 'vitest';
import { brl, pct, renderProposalPdf, years } from './pdf.ts';
import { generateProposal } from './proposal.ts';
import { parseQuote } from './quote.ts';
import { FIXTURE_CATALOG } from './testing/catalog-fixture.ts';

const example = JSON.parse(readFileSync(new URL('../../../examples/quote-b1.json', import.meta.url), 'utf8'));

describe('proposal PDF', async () => {
  const q = parseQuote(example);
  const p = await generateProposal(q, {
    catalog: FIXTURE_CATALOG,
    catalogVersion: 'exemplo-1',
    today: '2026-12-01',
    irradiance: {
      kind: 'ghi',
      ghiKwhM2Day: q.irradiance.source === 'quote' ? q.irradiance.ghiKwhM2Day : [],
      ambientC: null,
      source: 'quote: exemplo',
      detail: {},
    },
  });
  const dir = await tempDir('propostas-pdf');
  const file = join(dir.path, 'p.pdf');
  writeFileSync(file, await renderProposalPdf(p));

  it.skipIf(!hasTool('pdftotext'))('pdftotext finds the key figures in Portuguese', () => {
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    for (const needle of [
      'Proposta de sistema fotovoltaico',
      'Maria Exemplo',
      `${p.sizing.dcKwp.toLocaleString('pt-BR', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} kWp`,
      brl(p.capexBrl),
      brl(p.kpis.npvBrl),
      pct(p.kpis.irr),
      years(p.kpis.paybackYears),
      brl(p.kpis.billBeforeMonthlyBrl),
      brl(p.kpis.billAfterMonthlyBrl),
      'LCOE',
      'GD II',
      'Lei 14.300',
      'a partir de 2028: 90 %',
      'Premissas',
      'Validade',
      'Fluxo de caixa em 25 anos',
      'Geração x consumo',
      'Verificações elétricas',
    ])
      expect(text, needle).toContain(needle);
  });

  it.skipIf(!hasTool('pdftotext'))('pdftoppm renders page 1 to PNG', () => {
    execFileSync('pdftoppm', ['-png', '-r', '40', '-f', '1', '-l', '1', file, join(dir.path, 'page')]);
    const png = join(dir.path, 'page-1.png');
    expect(statSync(png).size).toBeGreaterThan(1000);
    expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
    const pages = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
    expect(pages).toMatch(/Pages:\s+4/);
  });
});
