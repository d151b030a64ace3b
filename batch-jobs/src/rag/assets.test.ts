import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase, waitFor, type TestDatabase } from '@ysh/test-helpers';
import { searchChunks } from '../search/search.ts';
import { TestEngine } from '../testing/harness.ts';
import { insertCatalog, TEST_CATALOG } from '../testing/rag-documents.ts';
import { ragDefinitions } from './assets.ts';
import { loadRagConfig } from './config.ts';

/** The RAG assets in the engine: the inbox sensor makes a dropped document searchable; the catalog asset indexes the table. */
describe('RAG assets with a running worker (PGlite)', () => {
  let db: TestDatabase;
  let engine: TestEngine;
  let inbox: string;
  beforeAll(async () => {
    db = await testDatabase();
    inbox = await mkdtemp(join(tmpdir(), 'ysh-rag-assets-'));
    await insertCatalog(db.pool, TEST_CATALOG);
    const config = loadRagConfig({ YSH_RAG_DOCS_INBOX: inbox, YSH_RAG_DEMO_DOCS: 'false' }, inbox);
    const defs = ragDefinitions(config);
    engine = new TestEngine(db.url, defs.assets, defs.sensors);
    await engine.startWorker({ schedules: true });
  }, 240_000);
  afterAll(async () => {
    await engine?.close();
    await db?.close();
    if (inbox) await rm(inbox, { recursive: true, force: true });
  });

  it('a document dropped in the inbox becomes searchable through the sensor', async () => {
    await writeFile(
      join(inbox, 'garantia.md'),
      '# Política de garantia\n\nO inversor tem garantia de dez anos contra defeitos de fabricação, exceto descargas atmosféricas.\n',
    );
    const hit = await waitFor(
      'the dropped document in search results',
      async () => {
        const r = await searchChunks(db.pool, { q: 'garantia descargas atmosféricas', namespace: 'docs', limit: 1 });
        return r.hits[0]?.source === 'docs:garantia.md' ? r.hits[0] : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    expect(hit.section).toBe('Política de garantia');
  }, 180_000);

  it('rag_catalog_index materializes the catalog with its ledger in the step metadata', async () => {
    const { run, steps } = await engine.runAndWait({ assets: ['rag_catalog_index'] });
    expect(run.status).toBe('succeeded');
    expect(steps.map((s) => s.asset_key)).toEqual(['rag_catalog_index']);
    const r = await searchChunks(db.pool, { q: 'inversor 10 kW', namespace: 'catalog', limit: 1 });
    expect(r.hits[0]?.source).toBe('catalog:INV-GW10K');
    const { rows } = await db.pool.query<{ asset_key: string; embedded: number; status: string }>(
      `SELECT asset_key, embedded, status FROM rag_runs WHERE namespace = 'catalog'`,
    );
    expect(rows).toEqual([{ asset_key: 'rag_catalog_index', embedded: TEST_CATALOG.length, status: 'succeeded' }]);
  }, 180_000);
});
