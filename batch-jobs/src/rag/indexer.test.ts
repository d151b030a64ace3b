import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_KINDS, type TestDatabase } from '@ysh/test-helpers';
import { searchChunks } from '../search/search.ts';
import {
  datasheetPdf,
  insertCatalog,
  MAINTENANCE_PARAGRAPHS,
  MANUAL_HTML,
  maintenanceDocx,
  REGULATION_MD,
  TEST_CATALOG,
} from '../testing/rag-documents.ts';
import { catalogDocuments } from './catalog-source.ts';
import { indexNamespace, planIndex } from './indexer.ts';
import { localEmbedder } from './local-embedder.ts';
import { readAlias } from './manifest.ts';
import { parseDocument } from './parsers.ts';
import { defaultStore } from './pg-store.ts';
import type { Embedder, SourceDocument, VectorStore } from './types.ts';

/** Counts what reaches a real embedder and a real store (the counts are what the tests assert). */
function counting(e: Embedder) {
  const c = { requests: 0, inputs: 0 };
  const embedder: Embedder = {
    id: e.id,
    dimensions: e.dimensions,
    pricePerMTokens: e.pricePerMTokens,
    async embed(texts, o) {
      c.requests++;
      c.inputs += texts.length;
      return e.embed(texts, o);
    },
  };
  return { embedder, c };
}

function countingStore(s: VectorStore) {
  const c = { upserted: [] as string[], updated: [] as string[], deleted: [] as string[] };
  const store: VectorStore = {
    ...s,
    kind: s.kind,
    async upsert(ns, records) {
      c.upserted.push(...records.map((r) => r.id));
      return s.upsert(ns, records);
    },
    async updateMetadata(ns, id, m) {
      c.updated.push(id);
      return s.updateMetadata(ns, id, m);
    },
    async deleteMany(ns, ids) {
      c.deleted.push(...ids);
      return s.deleteMany(ns, ids);
    },
  };
  return { store, c };
}

async function docs(extra: Partial<Record<string, Buffer>> = {}): Promise<SourceDocument[]> {
  const files: Record<string, Buffer> = {
    'microgeracao.md': Buffer.from(REGULATION_MD),
    'manual.html': Buffer.from(MANUAL_HTML),
    'aurora-550.pdf': await datasheetPdf(),
    'manutencao.docx': await maintenanceDocx(),
    ...extra,
  } as Record<string, Buffer>;
  const out: SourceDocument[] = [];
  for (const [name, data] of Object.entries(files)) {
    const p = await parseDocument(name, data);
    out.push({ source: `docs:${name}`, title: p.title ?? name, blocks: p.blocks });
  }
  return out;
}

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.enabled)(`RAG indexing on ${kind.kind}`, () => {
    let db: TestDatabase;
    let store: VectorStore;
    let vectors: boolean;
    beforeAll(async () => {
      db = await kind.open();
      store = await defaultStore(db.pool);
      vectors = store.kind === 'pgvector';
      if (!vectors)
        console.warn(`[rag] ${kind.kind}: no pgvector here — vector assertions skipped, full-text search only`);
      await insertCatalog(db.pool, TEST_CATALOG);
    }, 240_000);
    afterAll(async () => {
      await db?.close();
    });

    it('indexes documents; a re-index with no change makes no embedding call and no upsert', async () => {
      const e = counting(localEmbedder(256));
      const s = countingStore(store);
      const first = await indexNamespace(db.pool, {
        namespace: 'docs',
        documents: await docs(),
        embedder: e.embedder,
        store: s.store,
      });
      expect(first.chunks).toBeGreaterThan(6);
      expect(first.toEmbed).toBe(first.chunks);
      expect(first.switched).toBe(true);
      expect(s.c.upserted.length).toBe(first.chunks);
      if (vectors) expect((await store.listIds(first.version)).length).toBe(first.chunks);

      const e2 = counting(localEmbedder(256));
      const s2 = countingStore(store);
      const again = await indexNamespace(db.pool, {
        namespace: 'docs',
        documents: await docs(),
        embedder: e2.embedder,
        store: s2.store,
      });
      expect(e2.c.requests).toBe(0);
      expect(s2.c.upserted).toEqual([]);
      expect(s2.c.updated).toEqual([]);
      expect(s2.c.deleted).toEqual([]);
      expect(again.unchanged).toBe(first.chunks);
      // Every document's hash matched the first run's: none was chunked again.
      expect(first.unchangedDocuments).toBe(0);
      expect(again.unchangedDocuments).toBe(4);
      expect(again.documents).toBe(4);
      expect(again.chunks).toBe(first.chunks);
      const { rows } = await db.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM rag_manifest WHERE version = $1 AND state = 'committed'`,
        [first.version],
      );
      expect(rows[0]?.n).toBe(first.chunks);
    });

    it('re-embeds only the chunks of a changed paragraph', async () => {
      const changed = [...MAINTENANCE_PARAGRAPHS];
      changed[1] = 'Inspecionar as conexões MC4 e o torque dos terminais do string box a cada seis meses.';
      const e = counting(localEmbedder(256));
      const s = countingStore(store);
      const r = await indexNamespace(db.pool, {
        namespace: 'docs',
        documents: await docs({ 'manutencao.docx': await maintenanceDocx(changed) }),
        embedder: e.embedder,
        store: s.store,
      });
      expect(r.toEmbed).toBe(1);
      expect(r.unchangedDocuments).toBe(3);
      expect(e.c.inputs).toBe(1);
      expect(s.c.upserted).toEqual(['docs:manutencao.docx#0']);
      const hit = await searchChunks(db.pool, { q: 'torque dos terminais', namespace: 'docs', limit: 1 });
      expect(hit.hits[0]?.source).toBe('docs:manutencao.docx');
      expect(hit.hits[0]?.text).toContain('torque');
    });

    it('deletes the vectors of a removed document', async () => {
      const all = await docs();
      const s = countingStore(store);
      const r = await indexNamespace(db.pool, {
        namespace: 'docs',
        documents: all.filter((d) => d.source !== 'docs:manual.html'),
        embedder: localEmbedder(256),
        store: s.store,
      });
      expect(r.deletes).toBeGreaterThan(0);
      expect(s.c.deleted.every((id) => id.startsWith('docs:manual.html#'))).toBe(true);
      expect(s.c.deleted.length).toBe(r.deletes);
      if (vectors)
        expect((await store.listIds(r.version)).filter((id) => id.startsWith('docs:manual.html'))).toEqual([]);
      const { rows } = await db.pool.query(`SELECT 1 FROM rag_chunks WHERE source = 'docs:manual.html'`);
      expect(rows).toEqual([]);
      // put it back for the search tests
      await indexNamespace(db.pool, { namespace: 'docs', documents: all, embedder: localEmbedder(256), store });
    });

    it('a price-only catalog change is a metadata update, no embedding', async () => {
      await indexNamespace(db.pool, {
        namespace: 'catalog',
        documents: await catalogDocuments(db.pool),
        embedder: localEmbedder(256),
        store,
      });
      await db.pool.query(`UPDATE catalog_items SET price_brl = 8490 WHERE sku = 'INV-GW10K'`);
      const e = counting(localEmbedder(256));
      const s = countingStore(store);
      const r = await indexNamespace(db.pool, {
        namespace: 'catalog',
        documents: await catalogDocuments(db.pool),
        embedder: e.embedder,
        store: s.store,
      });
      expect(e.c.requests).toBe(0);
      expect(s.c.upserted).toEqual([]);
      expect(s.c.updated).toEqual(['catalog:INV-GW10K#0']);
      expect(r.metadataUpdates).toBe(1);
      const cheap = await searchChunks(db.pool, {
        q: 'inversor',
        namespace: 'catalog',
        filters: { priceMaxBrl: 8500, kind: 'inverter' },
      });
      expect(cheap.hits.map((h) => h.source)).toEqual(['catalog:INV-GW10K']);
      expect(cheap.hits[0]?.metadata.price_brl).toBe(8490);
    });

    it('plans cost before embedding and refuses a run over the budget', async () => {
      const priced: Embedder = { ...localEmbedder(64), id: 'priced-test-64', pricePerMTokens: 130 };
      const plan = await planIndex(db.pool, { namespace: 'docs', documents: await docs(), embedder: priced, store });
      expect(plan.rebuild).toBe(true);
      expect(plan.tokens).toBeGreaterThan(100);
      expect(plan.costUsd).toBeCloseTo((plan.tokens * 130) / 1e6, 9);
      await expect(
        indexNamespace(db.pool, {
          namespace: 'docs',
          documents: await docs(),
          embedder: priced,
          store,
          budgetUsd: plan.costUsd / 2,
        }),
      ).rejects.toMatchObject({ code: 'JOBS_RAG_BUDGET_EXCEEDED', retriable: false });
      const { rows } = await db.pool.query(`SELECT 1 FROM rag_manifest WHERE embedder = 'priced-test-64'`);
      expect(rows).toEqual([]);
    });

    it('an embedder change builds a new version; searches read the old one until the alias switches', async () => {
      const before = await readAlias(db.pool, 'docs');
      const base = localEmbedder(128);
      const seenDuringBuild: Array<string | undefined> = [];
      const watching: Embedder = {
        ...base,
        async embed(texts, o) {
          seenDuringBuild.push((await readAlias(db.pool, 'docs'))?.version);
          const r = await searchChunks(db.pool, { q: 'anti-ilhamento', namespace: 'docs', limit: 1 });
          expect(r.hits[0]?.source).toBe('docs:microgeracao.md');
          return base.embed(texts, o);
        },
      };
      const r = await indexNamespace(db.pool, {
        namespace: 'docs',
        documents: await docs(),
        embedder: watching,
        store,
        limits: { maxInputs: 4, maxTokensPerInput: 8192, maxTokensPerRequest: 300_000 },
      });
      expect(r.rebuild).toBe(true);
      expect(r.switched).toBe(true);
      expect(r.version).not.toBe(before?.version);
      expect(seenDuringBuild.length).toBeGreaterThan(1);
      expect(new Set(seenDuringBuild)).toEqual(new Set([before?.version]));
      expect((await readAlias(db.pool, 'docs'))?.embedder).toBe('local-hash-v1-128');
      const { rows } = await db.pool.query(`SELECT DISTINCT version FROM rag_manifest WHERE namespace = 'docs'`);
      expect(rows).toEqual([{ version: r.version }]);
      if (vectors) expect(await store.listIds(before?.version as string)).toEqual([]);
    });

    describe('search (labelled queries)', () => {
      const labelled: Array<{ q: string; ns?: string; expect: string; filters?: Record<string, unknown> }> = [
        { q: 'inversor trifásico 10 kW com 2 MPPT', ns: 'catalog', expect: 'catalog:INV-GW10K' },
        { q: 'three-phase inverter 12 kW', ns: 'catalog', expect: 'catalog:INV-SG12' },
        { q: 'módulo 550 W monocristalino', ns: 'catalog', expect: 'catalog:MOD-JA550' },
        { q: 'Fronius monofásico', ns: 'catalog', expect: 'catalog:INV-FR5K' },
        { q: 'o que a norma exige para microgeração até 75 kW?', ns: 'docs', expect: 'docs:microgeracao.md' },
        { q: 'proteção anti-ilhamento relé de sobrecorrente', ns: 'docs', expect: 'docs:microgeracao.md' },
        { q: 'insulation resistance error E07', ns: 'docs', expect: 'docs:manual.html' },
        { q: 'grounding conductor', ns: 'docs', expect: 'docs:manual.html' },
        { q: 'como limpar os módulos com água', ns: 'docs', expect: 'docs:manutencao.docx' },
        { q: 'tensão de circuito aberto Voc do módulo Aurora', ns: 'docs', expect: 'docs:aurora-550.pdf' },
      ];
      for (const l of labelled)
        it(`"${l.q}" → ${l.expect}`, async () => {
          const r = await searchChunks(db.pool, { q: l.q, namespace: l.ns, limit: 5 });
          expect(r.mode).toBe(vectors ? 'hybrid' : 'fulltext');
          expect(r.hits[0]?.source).toBe(l.expect);
        });

      it('returns section, page and matched text; filters by brand and power', async () => {
        const r = await searchChunks(db.pool, { q: 'anti-ilhamento', namespace: 'docs', limit: 3 });
        const top = r.hits[0];
        expect(top?.section).toContain('Proteções exigidas');
        expect(top?.text).toContain('Anti-ilhamento | sim | sim');
        const pdf = await searchChunks(db.pool, { q: 'grampos quadro instalação', namespace: 'docs', limit: 1 });
        expect(pdf.hits[0]?.page).toBe(2);
        const brand = await searchChunks(db.pool, {
          q: 'inversor',
          namespace: 'catalog',
          filters: { brand: 'sungrow' },
        });
        expect(brand.hits.map((h) => h.source)).toEqual(['catalog:INV-SG12']);
        const power = await searchChunks(db.pool, {
          q: 'inversor',
          namespace: 'catalog',
          filters: { kind: 'inverter', powerMinW: 9000, powerMaxW: 11000 },
        });
        expect(power.hits.map((h) => h.source)).toEqual(['catalog:INV-GW10K']);
      });
    });
  });
}
