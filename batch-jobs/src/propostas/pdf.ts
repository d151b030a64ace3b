/**
 * The proposal as a PDF in Portuguese the customer can read (pdfkit, standard Helvetica — its
 * WinAnsi encoding covers Portuguese accents): the system, monthly generation vs consumption, the
 * bill before/after, the 25-year cash flow, IRR/NPV/payback/LCOE, the regime and Fio B schedule,
 * the electrical checks, every assumption and the validity.
 */
import PDFDocument from 'pdfkit';
import type { Proposal } from './proposal.ts';

const MES = ['jan', 'fev', 'mar', 'abr', 'mai', 'jun', 'jul', 'ago', 'set', 'out', 'nov', 'dez'];
const num = (x: number, d = 2) => x.toLocaleString('pt-BR', { minimumFractionDigits: d, maximumFractionDigits: d });
export const brl = (x: number) => `R$ ${num(x)}`;
export const pct = (x: number | null, d = 1) =>
  x === null ? 'sem TIR (fluxo sem troca de sinal)' : `${num(x * 100, d)} %`;
export const years = (x: number | null) => (x === null ? 'não se paga em 25 anos' : `${num(x, 1)} anos`);
const date = (iso: string) => iso.split('-').reverse().join('/');

/** Where the system is: city/UF and the coordinates, `Belo Horizonte/MG (-19,9227, -43,9451)`. */
export function place(p: Pick<Proposal, 'quote'>): string {
  const l = p.quote.location;
  const name = l.city ? `${l.city}/${l.uf ?? p.quote.uf}` : p.quote.uf;
  return l.lat === undefined || l.lon === undefined ? name : `${name} (${num(l.lat, 4)}, ${num(l.lon, 4)})`;
}

/** Where the coordinates came from, with the attribution OpenStreetMap data asks for. */
export function coordinatesSource(p: Pick<Proposal, 'quote'>): string {
  const s = p.quote.location.source ?? 'quote';
  if (s === 'quote') return 'informadas na cotação';
  if (s === 'nominatim') return 'da cidade, por OpenStreetMap Nominatim (© colaboradores do OpenStreetMap)';
  return `da cidade, por ${s}`;
}

const BLUE = '#1f5fa8';
const ORANGE = '#f0a020';
const GREY = '#555555';

function heading(doc: PDFKit.PDFDocument, text: string) {
  doc.x = 50;
  doc
    .moveDown(0.6)
    .font('Helvetica-Bold')
    .fontSize(13)
    .fillColor(BLUE)
    .text(text, 50)
    .fillColor('black')
    .font('Helvetica')
    .fontSize(10)
    .moveDown(0.2);
}

function rows(doc: PDFKit.PDFDocument, pairs: Array<[string, string]>) {
  for (const [k, v] of pairs) {
    const y = doc.y;
    doc.font('Helvetica').fillColor(GREY).text(k, 50, y, { width: 220 });
    doc.fillColor('black').font('Helvetica-Bold').text(v, 270, y, { width: 280 });
    doc.font('Helvetica');
  }
}

function barChart(
  doc: PDFKit.PDFDocument,
  title: string,
  labels: string[],
  series: Array<{ name: string; color: string; values: number[] }>,
  unit: string,
) {
  const x0 = 80;
  const w = 460;
  const h = 150;
  const top = doc.y + 20;
  const all = series.flatMap((s) => s.values);
  const max = Math.max(...all, 0);
  const min = Math.min(...all, 0);
  const span = max - min || 1;
  const yOf = (v: number) => top + h - ((v - min) / span) * h;
  doc.font('Helvetica-Bold').fontSize(10).text(title, 50, doc.y);
  doc.font('Helvetica').fontSize(7).fillColor(GREY);
  for (const t of [min, min + span / 2, max])
    doc.text(`${num(t, 0)} ${unit}`, 20, yOf(t) - 3, { width: 58, align: 'right' });
  doc
    .moveTo(x0, yOf(0))
    .lineTo(x0 + w, yOf(0))
    .strokeColor('#999999')
    .lineWidth(0.5)
    .stroke();
  const slot = w / labels.length;
  const bw = (slot * 0.8) / series.length;
  labels.forEach((l, i) => {
    series.forEach((s, j) => {
      const v = s.values[i] as number;
      const y1 = yOf(Math.max(v, 0));
      const y2 = yOf(Math.min(v, 0));
      doc
        .rect(x0 + i * slot + slot * 0.1 + j * bw, y1, bw, Math.max(0.5, y2 - y1))
        .fillColor(s.color)
        .fill();
    });
    doc.fillColor(GREY).text(l, x0 + i * slot, top + h + 4, { width: slot, align: 'center' });
  });
  let lx = x0;
  for (const s of series) {
    doc
      .rect(lx, top + h + 16, 8, 8)
      .fillColor(s.color)
      .fill();
    doc.fillColor('black').text(s.name, lx + 12, top + h + 17);
    lx += 160;
  }
  doc.fillColor('black').fontSize(10);
  doc.x = 50;
  doc.y = top + h + 34;
}

export function renderProposalPdf(p: Proposal): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 50, info: { Title: `Proposta ${p.id}`, Author: 'YSH Telemetry' } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const s = p.sizing;
  const k = p.kpis;

  doc.font('Helvetica-Bold').fontSize(18).fillColor(BLUE).text('Proposta de sistema fotovoltaico');
  doc
    .font('Helvetica')
    .fontSize(10)
    .fillColor(GREY)
    .text(`Proposta ${p.id} · emitida em ${date(p.createdOn)} · válida até ${date(p.validUntil)}`);
  doc.fillColor('black');
  heading(doc, 'Cliente');
  rows(doc, [
    ['Cliente', `${p.customer.name} (classe ${p.customer.class})`],
    ['Distribuidora / UF', `${p.quote.distribuidora} / ${p.quote.uf}`],
    ['Local', place(p)],
    ['Coordenadas', coordinatesSource(p)],
    [
      'Ligação',
      `${p.quote.connection === 'mono' ? 'monofásica' : p.quote.connection === 'bi' ? 'bifásica' : 'trifásica'} — disponibilidade ${p.consumption.disponibilidadeKwh} kWh/mês`,
    ],
    ['Consumo anual', `${num(p.consumption.annualKwh, 0)} kWh`],
  ]);
  heading(doc, 'Sistema');
  rows(doc, [
    ['Potência', `${num(s.dcKwp, 2)} kWp (CC) / ${num(s.acKw, 2)} kW (CA), relação CC/CA ${num(s.dcAcRatio, 2)}`],
    ['Módulos', `${s.moduleCount} × ${s.module.brand} ${s.module.model} (${s.module.specs.pmaxW} W)`],
    [
      'Inversor',
      `${s.layout.inverterCount} × ${s.inverter.brand} ${s.inverter.model} (${num(s.inverter.specs.acPowerW / 1000, 1)} kW)`,
    ],
    ['Arranjo', `${s.layout.strings} string(s) de ${s.layout.modulesPerString} módulos por inversor`],
    [
      'Área ocupada',
      s.areaM2 === null ? 'sem dimensões no catálogo' : `${num(s.areaM2, 1)} m² de ${num(p.quote.roof.areaM2, 1)} m²`,
    ],
    [
      'Geração estimada (1º ano)',
      `${num(p.generation.annualKwh, 0)} kWh/ano — ${num(p.generation.specificYieldKwhPerKwp, 0)} kWh/kWp`,
    ],
    ['Fonte da irradiação', p.irradiance.source],
  ]);
  heading(doc, 'Resultado financeiro');
  rows(doc, [
    ['Investimento', brl(p.capexBrl)],
    [
      'Pagamento',
      p.financing === 'cash'
        ? 'à vista'
        : `entrada ${brl(p.financing.downPaymentBrl ?? 0)} + ${p.financing.months} × ${brl(p.financing.monthlyPaymentBrl ?? 0)} (${num(p.financing.monthlyRate * 100, 2)} % a.m.)`,
    ],
    ['Conta média antes', `${brl(k.billBeforeMonthlyBrl)} /mês`],
    ['Conta média depois', `${brl(k.billAfterMonthlyBrl)} /mês`],
    ['Economia no 1º ano', brl(k.firstYearSavingsBrl)],
    ['TIR', pct(k.irr)],
    [`VPL a ${num(k.discountRate * 100, 1)} % a.a.`, brl(k.npvBrl)],
    ['Payback simples', years(k.paybackYears)],
    ['Payback descontado', years(k.discountedPaybackYears)],
    ['LCOE', `${brl(k.lcoeBrlPerKwh)} /kWh`],
    ['Regime', `${p.regime.regime} — ${p.regime.basis}`],
  ]);

  doc.addPage();
  heading(doc, 'Geração x consumo (1º ano)');
  const bills = p.firstYearBills;
  const labels = bills.map((b) => MES[Number(b.month.slice(5, 7)) - 1] as string);
  barChart(
    doc,
    'Energia mensal',
    labels,
    [
      { name: 'Geração estimada', color: ORANGE, values: bills.map((b) => b.generationKwh) },
      { name: 'Consumo', color: BLUE, values: bills.map((b) => b.consumptionKwh) },
    ],
    'kWh',
  );
  heading(doc, 'Conta de energia antes e depois (1º ano)');
  doc.fontSize(8);
  const cols = [50, 100, 160, 220, 290, 360, 430, 490];
  const head = ['Mês', 'Consumo', 'Geração', 'Compensado', 'Créditos', 'Fio B', 'Antes', 'Depois'];
  head.forEach(
    (h, i) => void doc.font('Helvetica-Bold').text(h, cols[i], doc.y, { continued: false, lineBreak: false }),
  );
  doc.moveDown(1);
  for (const b of bills) {
    const y = doc.y;
    [
      b.month,
      num(b.consumptionKwh, 0),
      num(b.generationKwh, 0),
      num(b.compensatedKwh, 0),
      num(b.creditBalanceKwh, 0),
      `${num(b.fioBShare * 100, 0)} %`,
      brl(b.billBeforeBrl),
      brl(b.billAfterBrl),
    ].forEach((v, i) => void doc.font('Helvetica').text(v, cols[i], y, { lineBreak: false }));
    doc.moveDown(1);
  }
  doc.fontSize(10);
  doc.x = 50;

  doc.addPage();
  heading(doc, 'Fluxo de caixa em 25 anos');
  barChart(
    doc,
    'Fluxo de caixa acumulado',
    p.years.map((y) => String(y.year)),
    [{ name: 'Acumulado (R$)', color: BLUE, values: p.years.map((y) => y.cumulativeBrl) }],
    'R$',
  );
  doc.fontSize(8);
  const ycols = [50, 90, 160, 240, 320, 390, 460];
  ['Ano', 'Geração kWh', 'Economia', 'O&M+troca', 'Financ.', 'Fluxo', 'Acumulado'].forEach(
    (h, i) => void doc.font('Helvetica-Bold').text(h, ycols[i], doc.y, { lineBreak: false }),
  );
  doc.moveDown(1);
  for (const y of p.years) {
    const yy = doc.y;
    [
      String(y.year),
      num(y.generationKwh, 0),
      brl(y.savingsBrl),
      brl(y.omBrl + y.replacementBrl),
      brl(y.financingBrl),
      brl(y.cashFlowBrl),
      brl(y.cumulativeBrl),
    ].forEach((v, i) => void doc.font('Helvetica').text(v, ycols[i], yy, { lineBreak: false }));
    doc.moveDown(0.9);
  }
  doc.fontSize(10);
  doc.x = 50;

  doc.addPage();
  heading(doc, 'Regime regulatório (Lei 14.300/2022)');
  doc.text(`${p.regime.regime}: ${p.regime.basis}.`);
  doc.text('Percentual do TUSD Fio B pago sobre a energia compensada, por ano de faturamento:');
  for (const f of p.fioBSchedule)
    doc.text(
      `  a partir de ${f.year}: ${num(f.share * 100, 0)} %${f.source === 'assumption' ? ' (premissa — regra do art. 17 ainda não definida pela ANEEL)' : f.source === 'art26' ? ' (art. 26)' : ' (art. 27)'}`,
    );
  doc
    .fontSize(8)
    .fillColor(GREY)
    .text(
      'Cronograma do art. 27 conforme o texto da lei; conferir em planalto.gov.br. Créditos valem 60 meses; a conta nunca fica abaixo do custo de disponibilidade; bandeiras incidem só sobre a energia faturada.',
    )
    .fillColor('black')
    .fontSize(10);
  heading(doc, 'Verificações elétricas');
  doc.fontSize(9);
  for (const c of s.checks)
    doc.text(
      `${c.ok ? 'OK' : 'FALHA'} — ${c.label}: ${num(c.value, 1)} ${c.unit} (limite ${num(c.limit, 1)} ${c.unit}, margem ${num(c.margin, 1)} ${c.unit} / ${num(c.marginShare * 100, 1)} %)`,
    );
  heading(doc, 'Premissas');
  doc.fontSize(8);
  for (const a of p.assumptions) {
    const v = typeof a.value === 'object' ? JSON.stringify(a.value) : String(a.value);
    doc.text(`${a.key} = ${v.length > 160 ? `${v.slice(0, 157)}...` : v} — ${a.source}`);
  }
  doc
    .fontSize(9)
    .moveDown(0.5)
    .text(
      `Validade: preços válidos até ${date(p.validUntil)}. Estimativas de geração e economia dependem do clima, do consumo e de reajustes tarifários; não são garantia. Versões: modelo ${p.versions.model}, catálogo ${p.versions.catalog}, tarifa ${p.versions.tariff}.`,
    );
  doc.end();
  return done;
}
