import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFilters } from '../cli/rag-commands.ts';
import { datasheetPdf, MANUAL_HTML, maintenanceDocx, REGULATION_MD } from '../testing/rag-documents.ts';
import { chunkDocument } from './chunker.ts';
import { loadRagConfig } from './config.ts';
import { localEmbed } from './local-embedder.ts';
import { parseDocument } from './parsers.ts';
import { countTokens } from './tokenizer.ts';
import type { Block } from './types.ts';

describe('document parsers', () => {
  it('Markdown: headings with levels, a table as one block with its header', async () => {
    const p = await parseDocument('m.md', Buffer.from(REGULATION_MD));
    expect(p.title).toBe('Conexão de microgeração distribuída');
    expect(p.blocks.filter((b) => b.type === 'heading').map((b) => [b.level, b.text])).toEqual([
      [1, 'Conexão de microgeração distribuída'],
      [2, 'Seção 3.7 — Microgeração'],
      [2, 'Seção 3.8 — Proteções exigidas'],
      [2, 'Seção 3.9 — Vistoria'],
    ]);
    const table = p.blocks.find((b) => b.type === 'table');
    expect(table?.header).toBe('Proteção | Até 75 kW | Acima de 75 kW');
    expect(table?.text.split('\n')).toHaveLength(4);
  });

  it('HTML: title, headings, table rows, list items; scripts ignored', async () => {
    const p = await parseDocument(
      'm.html',
      Buffer.from(MANUAL_HTML.replace('<h2>Mounting', '<script>alert(1)</script><h2>Mounting')),
    );
    expect(p.title).toBe('Inverter installation manual');
    expect(p.blocks.map((b) => b.type)).toEqual([
      'heading',
      'heading',
      'paragraph',
      'heading',
      'paragraph',
      'heading',
      'table',
      'list',
    ]);
    expect(p.blocks.find((b) => b.type === 'table')?.text).toBe(
      'Code | Meaning\nE01 | Grid overvoltage\nE07 | Insulation resistance too low on the DC side',
    );
    expect(JSON.stringify(p.blocks)).not.toContain('alert');
  });

  it('PDF (pdf.js): pages and font-size headings', async () => {
    const p = await parseDocument('d.pdf', await datasheetPdf());
    expect(p.title).toBe('Datasheet Aurora 550');
    const heads = p.blocks.filter((b) => b.type === 'heading');
    expect(heads.map((h) => [h.level, h.text])).toEqual([
      [1, 'Datasheet Módulo Solar Aurora 550'],
      [2, 'Características elétricas'],
      [2, 'Instalação'],
    ]);
    expect(p.blocks.find((b) => b.text.includes('grampos'))?.page).toBe(2);
    expect(p.blocks.find((b) => b.text.includes('Voc 49,6 V'))?.page).toBe(1);
  });

  it('DOCX (mammoth): heading style and paragraphs', async () => {
    const p = await parseDocument('d.docx', await maintenanceDocx(['Primeiro.', 'Segundo.']));
    expect(p.blocks).toEqual([
      { type: 'heading', level: 1, text: 'Plano de manutenção preventiva' },
      { type: 'paragraph', text: 'Primeiro.' },
      { type: 'paragraph', text: 'Segundo.' },
    ]);
  });

  it('unknown extensions and broken files are typed errors', async () => {
    await expect(parseDocument('x.xlsx', Buffer.from('a'))).rejects.toMatchObject({
      code: 'JOBS_RAG_UNSUPPORTED_FORMAT',
    });
    await expect(parseDocument('x.pdf', Buffer.from('not a pdf'))).rejects.toMatchObject({
      code: 'JOBS_RAG_PARSE_FAILED',
    });
    await expect(parseDocument('x.docx', Buffer.from('PK\u0003\u0004 nope'))).rejects.toMatchObject({
      code: 'JOBS_RAG_PARSE_FAILED',
    });
  });

  it('property: any text parses as Markdown and HTML without throwing; any bytes as PDF/DOCX fail typed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 400 }), async (s) => {
        for (const name of ['a.md', 'a.html']) {
          const p = await parseDocument(name, Buffer.from(s));
          for (const b of p.blocks) expect(typeof b.text).toBe('string');
        }
      }),
      { numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), fc.constantFrom('a.pdf', 'a.docx'), async (bytes, name) => {
        const r = await parseDocument(name, Buffer.from(bytes)).then(
          () => 'ok',
          (e: { code?: string }) => e.code,
        );
        expect(['ok', 'JOBS_RAG_PARSE_FAILED']).toContain(r);
      }),
      { numRuns: 60 },
    );
  });
});

describe('chunker', () => {
  const block = fc.oneof(
    fc.record({
      type: fc.constant('heading' as const),
      level: fc.integer({ min: 1, max: 4 }),
      text: fc.lorem({ maxCount: 6 }),
    }),
    fc.record({ type: fc.constant('paragraph' as const), text: fc.lorem({ mode: 'sentences', maxCount: 40 }) }),
    fc.record({
      type: fc.constant('table' as const),
      text: fc.array(fc.lorem({ maxCount: 5 }), { minLength: 2, maxLength: 60 }).map((r) => r.join('\n')),
    }),
  );

  it('property: ordinals 0..n-1, every chunk within the token limit (+ a join), nothing lost', () => {
    fc.assert(
      fc.property(fc.array(block, { maxLength: 25 }), fc.integer({ min: 40, max: 300 }), (blocks: Block[], max) => {
        const chunks = chunkDocument(
          { source: 's', title: 't', blocks },
          { maxTokens: max, overlapTokens: Math.floor(max / 5) },
        );
        expect(chunks.map((c) => c.ordinal)).toEqual(chunks.map((_, i) => i));
        for (const c of chunks) expect(c.tokens).toBeLessThanOrEqual(max + 2);
        const all = chunks.map((c) => c.text).join(' ');
        for (const b of blocks)
          for (const w of b.text.split(/\s+/).filter((x) => x.length > 3)) expect(all).toContain(w);
      }),
      { numRuns: 80 },
    );
  });

  it('keeps a fitting table whole and carries overlap between prose chunks', () => {
    const para = Array.from({ length: 30 }, (_, i) => `Frase número ${i} sobre a usina solar.`).join(' ');
    const table = ['A | B', ...Array.from({ length: 8 }, (_, i) => `${i} | valor ${i}`)].join('\n');
    const chunks = chunkDocument(
      {
        source: 's',
        title: 't',
        blocks: [
          { type: 'paragraph', text: para },
          { type: 'table', text: table, header: 'A | B' },
        ],
      },
      { maxTokens: 80, overlapTokens: 20 },
    );
    expect(chunks.filter((c) => c.text.includes('A | B'))).toHaveLength(1);
    expect(chunks.find((c) => c.text.includes('A | B'))?.text).toContain('7 | valor 7');
    const prose = chunks.filter((c) => c.text.startsWith('Frase'));
    expect(prose.length).toBeGreaterThan(1);
    const lastOfFirst = prose[0]?.text.split('. ').at(-1) ?? '';
    expect(prose[1]?.text).toContain(lastOfFirst.replace(/\.$/, ''));
    for (const c of chunks) expect(countTokens(c.text)).toBe(c.tokens);
  });
});

describe('local embedder and options', () => {
  it('is deterministic, unit length, accent and case insensitive', () => {
    const a = localEmbed('Inversor Trifásico', 64);
    expect(localEmbed('Inversor Trifásico', 64)).toEqual(a);
    expect(localEmbed('inversor trifasico', 64)).toEqual(a);
    expect(Math.abs(a.reduce((s, x) => s + x * x, 0) - 1)).toBeLessThan(1e-4);
  });

  it('loadRagConfig: embedded by default, OpenAI/Pinecone when keyed, bad values named', () => {
    const c = loadRagConfig({}, '/d');
    expect(c).toMatchObject({
      openai: undefined,
      pinecone: undefined,
      localDimensions: 256,
      docsInbox: '/d/docs-inbox',
    });
    expect(Object.isFrozen(c)).toBe(true);
    const k = loadRagConfig(
      { OPENAI_API_KEY: 'sk', PINECONE_API_KEY: 'pc', YSH_PINECONE_INDEX: 'i', YSH_RAG_DIMENSIONS: '512' },
      '/d',
    );
    expect(k.openai).toMatchObject({ model: 'text-embedding-3-large', dimensions: 512 });
    expect(k.pinecone).toMatchObject({ index: 'i' });
    expect(() => loadRagConfig({ PINECONE_API_KEY: 'pc' }, '/d')).toThrow(/YSH_PINECONE_INDEX/);
    expect(() => loadRagConfig({ YSH_RAG_CHUNK_TOKENS: '100', YSH_RAG_CHUNK_OVERLAP: '100' }, '/d')).toThrow(/OVERLAP/);
    expect(() => loadRagConfig({ YSH_RAG_DIMENSIONS: '9000' }, '/d')).toThrow(/YSH_RAG_DIMENSIONS/);
  });

  it('search filters from the command line', () => {
    expect(parseFilters(['brand=Growatt', 'kind=inverter', 'power_min=9000', 'price_max=9000,50'])).toEqual({
      brand: 'Growatt',
      kind: 'inverter',
      powerMinW: 9000,
      priceMaxBrl: 9000.5,
    });
    expect(() => parseFilters(['colour=red'])).toThrow(/unknown key/);
    expect(() => parseFilters(['power_min=lots'])).toThrow(/number/);
    expect(() => parseFilters(['brand'])).toThrow(/KEY=VALUE/);
  });
});
