import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startOpenAIStandIn,
  startPineconeStandIn,
  testDatabase,
  type OpenAIStandIn,
  type PineconeStandIn,
  type TestDatabase,
} from '@ysh/test-helpers';
import { searchChunks } from '../search/search.ts';
import { insertCatalog, MANUAL_HTML, REGULATION_MD, TEST_CATALOG } from '../testing/rag-documents.ts';
import { catalogDocuments } from './catalog-source.ts';
import { indexNamespace, type IndexOptions } from './indexer.ts';
import { readAlias } from './manifest.ts';
import { openAIEmbedder } from './openai-embedder.ts';
import { parseDocument } from './parsers.ts';
import { pineconeStore } from './pinecone-store.ts';
import type { SourceDocument } from './types.ts';
import { verifyNamespace } from './verify.ts';

/**
 * The indexer against local stand-ins of OpenAI and Pinecone, driven through the official SDKs
 * (openai 6, @pinecone-database/pinecone 8): the exact requests, faults and their handling.
 */
describe('RAG with OpenAI and Pinecone (SDKs against local stand-ins)', () => {
  let db: TestDatabase;
  let oa: OpenAIStandIn;
  let pc: PineconeStandIn;
  const embedReqs = () => oa.requests.filter((r) => r.path === '/v1/embeddings');
  const pcReqs = (path: string) => pc.requests.filter((r) => r.path === path);

  beforeAll(async () => {
    db = await testDatabase();
    oa = await startOpenAIStandIn({ apiKey: 'sk-test' });
    pc = await startPineconeStandIn({ apiKey: 'pc-test' });
    await insertCatalog(db.pool, TEST_CATALOG);
  }, 240_000);
  afterAll(async () => {
    await oa?.close();
    await pc?.close();
    await db?.close();
  });

  const embedder = (o: { maxRetries?: number } = {}) =>
    openAIEmbedder({ apiKey: 'sk-test', baseUrl: oa.baseUrl, dimensions: 64, baseDelayMs: 20, ...o });
  const store = () => pineconeStore({ apiKey: 'pc-test', index: 'ysh-rag', host: pc.url });
  const docs = async (withManual = true): Promise<SourceDocument[]> => {
    const out: SourceDocument[] = [];
    const files: Array<[string, string]> = [['microgeracao.md', REGULATION_MD]];
    if (withManual) files.push(['manual.html', MANUAL_HTML]);
    for (const [name, text] of files) {
      const p = await parseDocument(name, Buffer.from(text));
      out.push({ source: `docs:${name}`, title: p.title ?? name, blocks: p.blocks });
    }
    return out;
  };
  const opts = async (o: Partial<IndexOptions> = {}): Promise<IndexOptions> => ({
    namespace: 'docs',
    documents: await docs(),
    embedder: embedder(),
    store: store(),
    chunker: { maxTokens: 60, overlapTokens: 10 },
    limits: { maxInputs: 4, maxTokensPerInput: 8192, maxTokensPerRequest: 300_000 },
    ...o,
  });

  it('embeds in batches within the limits and upserts ids <source>#<ordinal> into the version namespace', async () => {
    const r = await indexNamespace(db.pool, await opts());
    const reqs = embedReqs();
    expect(reqs.length).toBe(Math.ceil(r.chunks / 4));
    for (const q of reqs) {
      const b = q.body as { model: string; input: string[]; dimensions: number; encoding_format: string };
      expect(q.method).toBe('POST');
      expect(q.headers.authorization).toBe('Bearer sk-test');
      expect(Object.keys(b).sort()).toEqual(['dimensions', 'encoding_format', 'input', 'model']);
      expect(b).toMatchObject({ model: 'text-embedding-3-large', dimensions: 64, encoding_format: 'float' });
      expect(b.input.length).toBeLessThanOrEqual(4);
    }
    expect(reqs.flatMap((q) => (q.body as { input: string[] }).input).length).toBe(r.chunks);
    const ups = pcReqs('/vectors/upsert');
    expect(ups.every((u) => u.headers['api-key'] === 'pc-test')).toBe(true);
    expect(ups.every((u) => (u.body as { namespace: string }).namespace === r.version)).toBe(true);
    expect(r.version).toMatch(/^docs-[0-9a-f]{10}$/);
    const ids = ups.flatMap((u) => (u.body as { vectors: Array<{ id: string }> }).vectors.map((v) => v.id));
    expect(ids.sort()).toEqual(pc.ids(r.version));
    expect(ids).toContain('docs:microgeracao.md#0');
    expect(ids).toContain('docs:manual.html#0');
    const rec = pc.namespaces.get(r.version)?.get('docs:microgeracao.md#0');
    expect(rec?.values.length).toBe(64);
    expect(rec?.metadata).toMatchObject({ source: 'docs:microgeracao.md', namespace: 'docs', ordinal: 0 });
    const { rows } = await db.pool.query<{ tokens: string; requests: number; cost_usd: string; status: string }>(
      'SELECT tokens, requests, cost_usd, status FROM rag_runs WHERE id = $1',
      [r.runId],
    );
    expect(rows[0]?.requests).toBe(reqs.length);
    expect(Number(rows[0]?.tokens)).toBeGreaterThan(0);
    expect(Number(rows[0]?.cost_usd)).toBeCloseTo((Number(rows[0]?.tokens) * 0.13) / 1e6, 6);
    expect(rows[0]?.status).toBe('succeeded');
  });

  it('a re-index with no change sends no embedding request and no upsert; a removed document is deleted by id', async () => {
    const before = { e: embedReqs().length, u: pcReqs('/vectors/upsert').length };
    await indexNamespace(db.pool, await opts());
    expect(embedReqs().length).toBe(before.e);
    expect(pcReqs('/vectors/upsert').length).toBe(before.u);
    const version = (await readAlias(db.pool, 'docs'))?.version as string;
    const manualIds = pc.ids(version).filter((id) => id.startsWith('docs:manual.html#'));
    expect(manualIds.length).toBeGreaterThan(0);
    await indexNamespace(db.pool, await opts({ documents: await docs(false) }));
    const del = pcReqs('/vectors/delete').at(-1)?.body as { ids: string[]; namespace: string };
    expect(del.namespace).toBe(version);
    expect(del.ids.sort()).toEqual(manualIds);
    expect(pc.ids(version).filter((id) => id.startsWith('docs:manual.html'))).toEqual([]);
    expect(embedReqs().length).toBe(before.e);
  });

  it('a price-only catalog change is one metadata update', async () => {
    const base = await opts({ namespace: 'catalog', documents: await catalogDocuments(db.pool) });
    await indexNamespace(db.pool, base);
    const e = embedReqs().length;
    await db.pool.query(`UPDATE catalog_items SET price_brl = 8390 WHERE sku = 'INV-GW10K'`);
    await indexNamespace(db.pool, { ...base, documents: await catalogDocuments(db.pool) });
    expect(embedReqs().length).toBe(e);
    // every chunk of that product (the small test chunk size splits it), and nothing else
    const version = (await readAlias(db.pool, 'catalog'))?.version as string;
    const upd = pcReqs('/vectors/update').map((u) => u.body as { id: string; namespace: string; setMetadata: object });
    expect(upd.map((u) => u.id).sort()).toEqual(pc.ids(version).filter((id) => id.startsWith('catalog:INV-GW10K#')));
    for (const u of upd) expect(u).toMatchObject({ namespace: version, setMetadata: { price_brl: 8390 } });
    const r = await searchChunks(
      db.pool,
      { q: 'inversor trifásico 10 kW', namespace: 'catalog', filters: { kind: 'inverter', priceMaxBrl: 8500 } },
      { embedders: [embedder()], store: store() },
    );
    expect(r.mode).toBe('hybrid');
    expect([...new Set(r.hits.map((h) => h.source))]).toEqual(['catalog:INV-GW10K']);
    expect(r.hits.some((h) => h.ranks.vector !== undefined)).toBe(true);
    const q = pcReqs('/query').at(-1)?.body as { filter: unknown; namespace: string };
    expect(q.filter).toEqual({ $and: [{ kind: { $eq: 'inverter' } }, { price_brl: { $lte: 8500 } }] });
  });

  it('retries a 429 after its Retry-After and a 500; stops at once on insufficient_quota', async () => {
    const e = embedder();
    let n = embedReqs().length;
    oa.fail({
      status: 429,
      headers: { 'retry-after-ms': '300' },
      body: { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } },
    });
    const t0 = Date.now();
    const [v] = await e.embed(['teste de limite']);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    expect(v?.length).toBe(64);
    expect(embedReqs().length - n).toBe(2);

    n = embedReqs().length;
    oa.fail({ status: 500, body: { error: { message: 'The server had an error', type: 'server_error' } } }, 2);
    await e.embed(['teste de erro']);
    expect(embedReqs().length - n).toBe(3);

    n = embedReqs().length;
    oa.fail({
      status: 429,
      body: {
        error: { message: 'You exceeded your current quota', type: 'insufficient_quota', code: 'insufficient_quota' },
      },
    });
    await expect(e.embed(['sem cota'])).rejects.toMatchObject({ code: 'JOBS_RAG_QUOTA_EXCEEDED', retriable: false });
    expect(embedReqs().length - n).toBe(1);

    oa.fail({ status: 429, headers: { 'retry-after': '0' }, body: { error: { message: 'Rate limit reached' } } }, 3);
    await expect(embedder({ maxRetries: 2 }).embed(['sempre 429'])).rejects.toMatchObject({
      code: 'JOBS_RAG_RATE_LIMITED',
      retriable: true,
    });
  });

  it('ysh rag verify finds a planted orphan and a missing vector; repair fixes both without embedding', async () => {
    const version = (await readAlias(db.pool, 'docs'))?.version as string;
    const space = pc.namespaces.get(version);
    if (!space) throw new Error('no namespace');
    space.set('docs:planted.md#0', { values: new Array(64).fill(0.1), metadata: {} });
    space.delete('docs:microgeracao.md#1');
    const r = await verifyNamespace(db.pool, store(), 'docs');
    expect(r.orphaned).toEqual(['docs:planted.md#0']);
    expect(r.missing).toEqual(['docs:microgeracao.md#1']);
    expect(r.stale).toEqual([]);
    const e = embedReqs().length;
    const fixed = await verifyNamespace(db.pool, store(), 'docs', { repair: true });
    expect(fixed.repaired).toBe(true);
    expect(embedReqs().length).toBe(e);
    const again = await verifyNamespace(db.pool, store(), 'docs');
    expect(again).toMatchObject({ missing: [], orphaned: [], stale: [] });
    expect(space.has('docs:microgeracao.md#1')).toBe(true);
    expect(space.has('docs:planted.md#0')).toBe(false);
  });
});
