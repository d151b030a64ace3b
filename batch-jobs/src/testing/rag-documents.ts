import JSZip from 'jszip';
import PDFDocument from 'pdfkit';
import type { CatalogItem } from '../catalog/catalog-item.ts';
import type { Queryable } from '@ysh/common/db';

/**
 * Test documents for RAG, written for this project (no third-party text): a Portuguese summary of
 * micro-generation connection rules in Markdown, an English inverter manual in HTML, a module
 * datasheet as PDF (generated with pdfkit) and a maintenance note as DOCX (generated with JSZip).
 */
export const REGULATION_MD = `# Conexão de microgeração distribuída

Resumo interno das regras de acesso para microgeração e minigeração distribuída.

## Seção 3.7 — Microgeração

A microgeração distribuída é a central geradora com potência instalada até 75 kW conectada na rede de baixa tensão da distribuidora.
O acessante deve apresentar o formulário de solicitação de acesso com o diagrama unifilar e o memorial descritivo.
A distribuidora tem prazo de 15 dias para emitir o parecer de acesso quando não houver obras na rede.

## Seção 3.8 — Proteções exigidas

| Proteção | Até 75 kW | Acima de 75 kW |
| --- | --- | --- |
| Elemento de desconexão | sim | sim |
| Anti-ilhamento | sim | sim |
| Relé de sobrecorrente | não | sim |

O sistema de anti-ilhamento deve desconectar o inversor em até 2 segundos após a perda da rede.

## Seção 3.9 — Vistoria

Após a instalação a distribuidora realiza a vistoria e a troca do medidor por um medidor bidirecional.
`;

export const MANUAL_HTML = `<!doctype html><html lang="en"><head><title>Inverter installation manual</title></head><body>
<h1>Inverter installation manual</h1>
<h2>Mounting</h2>
<p>Mount the inverter on a vertical wall away from direct sunlight. Keep 30 cm of free space around the heat sink.</p>
<h2>Grounding</h2>
<p>Connect the protective earth conductor before any DC string. Use a conductor of at least 6 mm².</p>
<h2>Error codes</h2>
<table><tr><th>Code</th><th>Meaning</th></tr><tr><td>E01</td><td>Grid overvoltage</td></tr><tr><td>E07</td><td>Insulation resistance too low on the DC side</td></tr></table>
<ul><li>Check the string cables for damage.</li><li>Measure insulation with a megohmmeter.</li></ul>
</body></html>`;

export const DATASHEET_LINES: Array<{ size: number; text: string }> = [
  { size: 20, text: 'Datasheet Módulo Solar Aurora 550' },
  { size: 11, text: 'Módulo monocristalino bifacial de 144 meias células com potência de 550 Wp.' },
  { size: 11, text: 'Eficiência de 21,3 % e garantia de produção de 30 anos.' },
  { size: 15, text: 'Características elétricas' },
  { size: 11, text: 'Tensão de circuito aberto Voc 49,6 V e corrente de curto-circuito Isc 14,0 A.' },
  { size: 15, text: 'Instalação' },
  { size: 11, text: 'Fixar o módulo nos furos do quadro com quatro grampos; não perfurar o quadro.' },
];

/** A two-page datasheet PDF: headings in larger type, body text in 11 pt. */
export function datasheetPdf(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ info: { Title: 'Datasheet Aurora 550' }, compress: false });
    const parts: Buffer[] = [];
    doc.on('data', (b: Buffer) => parts.push(b));
    doc.on('end', () => resolve(Buffer.concat(parts)));
    doc.on('error', reject);
    DATASHEET_LINES.forEach((l, i) => {
      if (i === 5) doc.addPage();
      doc.fontSize(l.size).text(l.text);
      doc.moveDown();
    });
    doc.end();
  });
}

const W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';

/** A minimal DOCX (WordprocessingML): a Heading1 and paragraphs. */
export async function maintenanceDocx(paragraphs: string[] = MAINTENANCE_PARAGRAPHS): Promise<Buffer> {
  const zip = new JSZip();
  zip.file(
    '[Content_Types].xml',
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/></Types>`,
  );
  zip.file(
    '_rels/.rels',
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
  );
  zip.file(
    'word/_rels/document.xml.rels',
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`,
  );
  zip.file(
    'word/styles.xml',
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles xmlns:w="${W}"><w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/></w:style></w:styles>`,
  );
  const p = (t: string, style?: string) =>
    `<w:p>${style ? `<w:pPr><w:pStyle w:val="${style}"/></w:pPr>` : ''}<w:r><w:t xml:space="preserve">${t}</w:t></w:r></w:p>`;
  zip.file(
    'word/document.xml',
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="${W}"><w:body>${p('Plano de manutenção preventiva', 'Heading1')}${paragraphs.map((t) => p(t)).join('')}</w:body></w:document>`,
  );
  return zip.generateAsync({ type: 'nodebuffer' });
}

export const MAINTENANCE_PARAGRAPHS = [
  'Limpar os módulos a cada seis meses com água desmineralizada, sem detergentes abrasivos.',
  'Inspecionar as conexões MC4 e o aperto dos terminais do string box uma vez por ano.',
  'Registrar a leitura do medidor bidirecional e comparar com a geração esperada da proposta.',
];

export const TEST_CATALOG: CatalogItem[] = [
  {
    sku: 'INV-GW10K',
    kind: 'inverter',
    brand: 'Growatt',
    model: 'MOD 10KTL3-X',
    priceBrl: 8790,
    sources: ['cec-inverters', 'feed:distribuidora-sul.csv'],
    conflicts: [],
    dataVersion: 'v1',
    specs: {
      acPowerW: 10000,
      maxDcVoltageV: 1100,
      mpptCount: 2,
      mpptVMinV: 140,
      mpptVMaxV: 1000,
      maxInputCurrentA: 13,
      efficiency: 0.984,
      phases: 3,
    },
  },
  {
    sku: 'INV-FR5K',
    kind: 'inverter',
    brand: 'Fronius',
    model: 'Primo 5.0-1',
    priceBrl: 11200,
    sources: ['cec-inverters'],
    conflicts: [],
    dataVersion: 'v1',
    specs: {
      acPowerW: 5000,
      maxDcVoltageV: 1000,
      mpptCount: 2,
      mpptVMinV: 240,
      mpptVMaxV: 800,
      maxInputCurrentA: 12,
      efficiency: 0.968,
      phases: 1,
    },
  },
  {
    sku: 'INV-SG12',
    kind: 'inverter',
    brand: 'Sungrow',
    model: 'SG12RT',
    priceBrl: 12990,
    sources: ['feed:distribuidora-sul.csv'],
    conflicts: [],
    dataVersion: 'v1',
    specs: {
      acPowerW: 12000,
      maxDcVoltageV: 1100,
      mpptCount: 2,
      mpptVMinV: 160,
      mpptVMaxV: 1000,
      maxInputCurrentA: 25,
      efficiency: 0.981,
      phases: 3,
    },
  },
  {
    sku: 'MOD-JA550',
    kind: 'module',
    brand: 'JA Solar',
    model: 'JAM72S30-550/MR',
    priceBrl: 890,
    sources: ['cec-modules'],
    conflicts: [],
    dataVersion: 'v1',
    specs: {
      pmaxW: 550,
      vmpV: 41.96,
      impA: 13.11,
      vocV: 49.9,
      iscA: 14,
      efficiency: 0.213,
      gammaPmaxPerK: -0.0035,
      betaVocPerK: -0.00275,
      noctC: 45,
      lengthM: 2.279,
      widthM: 1.134,
      weightKg: 28.6,
      cellType: 'monocristalinas',
    },
  },
  {
    sku: 'MOD-CS400',
    kind: 'module',
    brand: 'Canadian Solar',
    model: 'CS6R-400MS',
    priceBrl: 720,
    sources: ['cec-modules'],
    conflicts: [],
    dataVersion: 'v1',
    specs: {
      pmaxW: 400,
      vmpV: 30.8,
      impA: 12.99,
      vocV: 37,
      iscA: 13.85,
      efficiency: 0.205,
      gammaPmaxPerK: -0.0034,
      betaVocPerK: -0.0026,
      noctC: 42,
      lengthM: 1.722,
      widthM: 1.134,
      weightKg: 21.3,
      cellType: 'monocristalinas',
    },
  },
];

/** Writes catalog rows as the catalog asset would (upsert by sku). */
export async function insertCatalog(db: Queryable, items: CatalogItem[]): Promise<void> {
  for (const i of items)
    await db.query(
      `INSERT INTO catalog_items (sku, kind, brand, model, specs, price_brl, sources, conflicts, data_version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (sku) DO UPDATE SET kind = EXCLUDED.kind, brand = EXCLUDED.brand, model = EXCLUDED.model,
         specs = EXCLUDED.specs, price_brl = EXCLUDED.price_brl, sources = EXCLUDED.sources, updated_at = now()`,
      [
        i.sku,
        i.kind,
        i.brand,
        i.model,
        JSON.stringify(i.specs),
        i.priceBrl,
        i.sources,
        JSON.stringify(i.conflicts),
        i.dataVersion,
      ],
    );
}
