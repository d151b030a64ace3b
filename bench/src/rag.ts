import {
  type CatalogItem,
  indexNamespace,
  catalogDocuments,
  localEmbedder,
  pgVectorStore,
  parseDocument,
  searchChunks,
  type SourceDocument,
} from '@ysh/batch-jobs';

import {
  datasheetPdf,
  insertCatalog,
  MANUAL_HTML,
  maintenanceDocx,
  REGULATION_MD,
  TEST_CATALOG,
} from '@ysh/batch-jobs/testing/rag-documents.ts';
import { testDatabase } from '@ysh/test-helpers';
import type { Benchmark, BenchRow } from './types.ts';

const ITEMS = Number(process.env.YSH_BENCH_RAG_ITEMS ?? 10_000);
const SEARCH_CHUNKS = Number(process.env.YSH_BENCH_RAG_CHUNKS ?? 100_000);
const QUERIES = 50;

/** Labelled queries over the test catalog and documents: the source expected in the top 5. */
const LABELLED: Array<[string, string, string]> = [
  ['inversor trifásico 10 kW com 2 MPPT', 'catalog', 'catalog:INV-GW10K'],
  ['three-phase inverter 12 kW', 'catalog', 'catalog:INV-SG12'],
  ['módulo 550 W monocristalino', 'catalog', 'catalog:MOD-JA550'],
  ['Fronius monofásico', 'catalog', 'catalog:INV-FR5K'],
  ['painel solar 400 W Canadian', 'catalog', 'catalog:MOD-CS400'],
  ['o que a norma exige para microgeração até 75 kW?', 'docs', 'docs:microgeracao.md'],
  ['proteção anti-ilhamento relé de sobrecorrente', 'docs', 'docs:microgeracao.md'],
  ['prazo do parecer de acesso', 'docs', 'docs:microgeracao.md'],
  ['insulation resistance error E07', 'docs', 'docs:manual.html'],
  ['grounding conductor', 'docs', 'docs:manual.html'],
  ['limpeza dos módulos', 'docs', 'docs:manutencao.docx'],
  ['conectores MC4 string box', 'docs', 'docs:manutencao.docx'],
  ['tensão de circuito aberto Voc do módulo Aurora', 'docs', 'docs:aurora-550.pdf'],
  ['how to mount the inverter', 'docs', 'docs:manual.html'],
];

function synthItem(i: number): CatalogItem {
  const brands = ['Growatt', 'Fronius', 'Sungrow', 'Huawei', 'GoodWe', 'Deye', 'WEG', 'SMA'];
  const brand = brands[i % brands.length] as string;
  if (i % 2 === 0) {
    const kw = 3 + (i % 48);
    return {
      sku: `B-INV-${i}`,
      kind: 'inverter',
      brand,
      model: `X${kw}K-${i}`,
      priceBrl: 2000 + (i % 300) * 50,
      sources: ['bench'],
      conflicts: [],
      dataVersion: 'b1',
      specs: {
        acPowerW: kw * 1000,
        maxDcVoltageV: 1000,
        mpptCount: 1 + (i % 4),
        mpptVMinV: 150,
        mpptVMaxV: 850,
        maxInputCurrentA: 12 + (i % 10),
        efficiency: 0.96 + (i % 30) / 1000,
        phases: i % 3 === 0 ? 1 : 3,
      },
    };
  }
  const w = 300 + (i % 40) * 10;
  return {
    sku: `B-MOD-${i}`,
    kind: 'module',
    brand,
    model: `M${w}-${i}`,
    priceBrl: 500 + (i % 100) * 5,
    sources: ['bench'],
    conflicts: [],
    dataVersion: 'b1',
    specs: {
      pmaxW: w,
      vmpV: 40,
      impA: w / 40,
      vocV: 48,
      iscA: w / 38,
      efficiency: 0.2 + (i % 30) / 1000,
      gammaPmaxPerK: -0.0035,
      betaVocPerK: -0.0027,
      noctC: 45,
      lengthM: 2.2,
      widthM: 1.1,
      weightKg: 27,
      cellType: 'monocristalinas',
    },
  };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

export const ragBenchmark: Benchmark = {
  group: 'rag',
  description: `RAG embedded mode (PGlite + pgvector + local embedder): index ${ITEMS} catalog items, no-op re-index, search over ${SEARCH_CHUNKS} chunks, recall@5`,
  async run(): Promise<BenchRow[]> {
    const rows: BenchRow[] = [];
    const db = await testDatabase();
    try {
      const store = pgVectorStore(db.pool);
      const embedder = localEmbedder(256);
      // 1. labelled recall on the test catalog and documents
      await insertCatalog(db.pool, TEST_CATALOG);
      await indexNamespace(db.pool, {
        namespace: 'catalog',
        documents: await catalogDocuments(db.pool),
        embedder,
        store,
      });
      const files: Array<[string, Buffer]> = [
        ['microgeracao.md', Buffer.from(REGULATION_MD)],
        ['manual.html', Buffer.from(MANUAL_HTML)],
        ['aurora-550.pdf', await datasheetPdf()],
        ['manutencao.docx', await maintenanceDocx()],
      ];
      const docs: SourceDocument[] = [];
      for (const [name, data] of files) {
        const p = await parseDocument(name, data);
        docs.push({ source: `docs:${name}`, title: p.title ?? name, blocks: p.blocks });
      }
      await indexNamespace(db.pool, { namespace: 'docs', documents: docs, embedder, store });
      let hits = 0;
      const misses: string[] = [];
      for (const [q, ns, expected] of LABELLED) {
        const r = await searchChunks(db.pool, { q, namespace: ns, limit: 5 });
        if (r.hits.some((h) => h.source === expected)) hits++;
        else misses.push(q);
      }
      rows.push({
        group: 'rag',
        name: `recall@5, ${LABELLED.length} labelled queries (pt/en), hybrid`,
        value: hits / LABELLED.length,
        unit: '',
        notes: misses.length ? `missed: ${misses.join('; ')}` : 'all found',
      });

      // 2. indexing throughput and a no-op re-index of ITEMS catalog items
      await db.pool.query('DELETE FROM catalog_items');
      const items = Array.from({ length: ITEMS }, (_, i) => synthItem(i));
      await db.pool.query(
        `INSERT INTO catalog_items (sku, kind, brand, model, specs, price_brl, sources, data_version)
         SELECT x->>'sku', x->>'kind', x->>'brand', x->>'model', x->'specs', (x->>'priceBrl')::numeric, '{bench}', 'b1'
         FROM jsonb_array_elements($1::jsonb) x`,
        [JSON.stringify(items)],
      );
      let t0 = performance.now();
      const first = await indexNamespace(db.pool, {
        namespace: 'catalog',
        documents: await catalogDocuments(db.pool),
        embedder,
        store,
      });
      const indexS = (performance.now() - t0) / 1000;
      rows.push({
        group: 'rag',
        name: `index ${ITEMS} catalog items (embedded)`,
        value: first.chunks / indexS,
        unit: 'chunks/s',
        notes: `${first.chunks} chunks in ${indexS.toFixed(1)} s`,
      });
      let calls = 0;
      const counting = {
        ...embedder,
        embed: async (t: string[]) => {
          calls++;
          return embedder.embed(t);
        },
      };
      t0 = performance.now();
      const again = await indexNamespace(db.pool, {
        namespace: 'catalog',
        documents: await catalogDocuments(db.pool),
        embedder: counting,
        store,
      });
      const noop = (performance.now() - t0) / 1000;
      rows.push({
        group: 'rag',
        name: `no-op re-index of ${ITEMS} catalog items`,
        value: noop,
        unit: 's',
        target: '< 5 s, no embedding call',
        met: noop < 5 && calls === 0 && again.toEmbed === 0,
        notes: `${calls} embedding calls, ${again.unchanged} unchanged`,
      });

      // 3. search latency over SEARCH_CHUNKS chunks: the catalog plus synthetic document chunks
      const extra = Math.max(0, SEARCH_CHUNKS - first.chunks);
      const per = 20;
      const filler: SourceDocument[] = Array.from({ length: Math.ceil(extra / per) }, (_, d) => ({
        source: `docs:bench-${d}.md`,
        title: `Relatório de campo ${d}`,
        blocks: Array.from({ length: per }, (_, k) => [
          { type: 'heading' as const, level: 2, text: `Seção ${k}` },
          {
            type: 'paragraph' as const,
            text: `Na usina ${d} o inversor ${k} registrou ${(d * k) % 17} eventos de sobretensão e a string ${k % 8} perdeu ${(d + k) % 9} % de geração por sujeira.`,
          },
        ]).flat(),
      }));
      t0 = performance.now();
      await indexNamespace(db.pool, { namespace: 'docs', documents: filler, embedder, store });
      const fillS = (performance.now() - t0) / 1000;
      const { rows: n } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM rag_vectors');
      const total = n[0]?.n ?? 0;
      const queries = [
        'inversor trifásico 10 kW',
        'eventos de sobretensão',
        'módulo 550 W',
        'perda por sujeira',
        'Growatt 2 MPPT',
      ];
      const lat: number[] = [];
      for (let i = 0; i < QUERIES; i++) {
        const q = `${queries[i % queries.length]} ${i}`;
        const s = performance.now();
        await searchChunks(db.pool, { q, limit: 10 });
        lat.push(performance.now() - s);
      }
      rows.push({
        group: 'rag',
        name: `hybrid search p50 over ${total} chunks (PGlite, exact vector scan)`,
        value: pct(lat, 50),
        unit: 'ms',
        notes: `indexing the ${extra} filler chunks took ${fillS.toFixed(1)} s (${(extra / fillS).toFixed(0)} chunks/s)`,
      });
      rows.push({
        group: 'rag',
        name: `hybrid search p99 over ${total} chunks`,
        value: pct(lat, 99),
        unit: 'ms',
        notes: `${QUERIES} queries, both namespaces`,
      });
    } finally {
      await db.close();
    }
    return rows;
  },
};
