import { createHash } from 'node:crypto';
import { defineAsset, type AnyAsset } from '../graph/asset.ts';
import { defineSensor, scanInbox, type SensorDef } from '../sensors/file-sensor.ts';
import { versionHash } from '../versions/data-version.ts';
import type { RagConfig } from './config.ts';
import { indexNamespace, type IndexReport } from './indexer.ts';
import { DOC_PATTERN } from './parsers.ts';
import { DEMO_DOCS_DIR, namespaceInput, ragRuntime, type RagNamespace } from './runtime.ts';

/**
 * The RAG assets: rag_catalog_index (the gold catalog, one document per product) and
 * rag_docs_index (the documents inbox, plus the demo documents unless turned off), each a run of
 * the incremental indexer; the sensor rag_docs_inbox materializes rag_docs_index when a file in
 * the inbox is added, changed or removed. With the catalog asset in the graph, rag_catalog_index
 * depends on catalog_items and runs after it; without it, it observes the table.
 */
function report(r: IndexReport, fingerprint: string) {
  return {
    rowCount: r.chunks,
    fingerprint,
    metadata: {
      version: r.version,
      embedder: r.embedder,
      documents: r.documents,
      chunks: r.chunks,
      embedded: r.toEmbed,
      resumed: r.toResume,
      metadata_updates: r.metadataUpdates,
      deletes: r.deletes,
      tokens: r.tokens,
      requests: r.requests,
      cost_usd: r.costUsd,
      switched: r.switched,
      rag_run: r.runId,
    },
  };
}

function indexAsset(c: RagConfig, key: string, namespace: RagNamespace, extra: Partial<AnyAsset>): AnyAsset {
  return defineAsset({
    key,
    layer: 'gold',
    deps: [],
    codeVersion: '1',
    description: `RAG index of the ${namespace} (chunks, embeddings, vector store)`,
    timeoutMs: c.stepTimeoutMs,
    // The retry delay is the worker's (YSH_JOBS_RETRY_DELAY, doubling each time).
    retry: { maxRetries: 5 },
    ...extra,
    async materialize(ctx) {
      const rt = await ragRuntime(ctx.db, c);
      const input = await namespaceInput(ctx.db, c, rt, namespace, ctx.log);
      const r = await indexNamespace(ctx.db, {
        ...input,
        jobRunId: ctx.runId,
        assetKey: key,
        signal: ctx.signal,
        progress: (done, total, what) => ctx.progress(done, total, what),
      });
      // the data version follows what the index holds, not the run: an unchanged index keeps its version
      const { rows } = await ctx.db.query<{ h: string | null }>(
        `SELECT md5(string_agg(source || '#' || ordinal || ':' || content_hash || ':' || meta_hash, ',' ORDER BY source, ordinal)) AS h
         FROM rag_manifest WHERE version = $1`,
        [r.version],
      );
      const out = report(r, versionHash('rag', r.version, rows[0]?.h ?? null));
      ctx.log.info('indexed', { namespace, mode: rt.mode, ...out.metadata });
      return out;
    },
  } as AnyAsset);
}

export function ragDefinitions(
  c: RagConfig,
  o: { catalogAsset?: boolean } = {},
): { assets: AnyAsset[]; sensors: SensorDef[] } {
  const catalog = indexAsset(
    c,
    'rag_catalog_index',
    'catalog',
    o.catalogAsset
      ? { deps: ['catalog_items'] }
      : {
          async observe(ctx) {
            const { rows } = await ctx.db.query<{ h: string | null }>(
              `SELECT md5(string_agg(sku || ':' || data_version || ':' || coalesce(price_brl::text, '') || ':' || updated_at::text, ',' ORDER BY sku)) AS h
               FROM catalog_items`,
            );
            return versionHash('catalog_items', rows[0]?.h ?? null);
          },
          schedule: { cron: '*/10 * * * *' },
        },
  );
  const docs = indexAsset(c, 'rag_docs_index', 'docs', {
    async observe() {
      const files = {
        inbox: await scanInbox(c.docsInbox, DOC_PATTERN),
        demo: c.demoDocs ? await scanInbox(DEMO_DOCS_DIR, DOC_PATTERN) : {},
      };
      return versionHash('rag_docs', createHash('sha256').update(JSON.stringify(files)).digest('hex'));
    },
    schedule: { cron: '0 * * * *' },
  });
  return {
    assets: [catalog, docs],
    sensors: [
      defineSensor({
        name: 'rag_docs_inbox',
        kind: 'files',
        dir: c.docsInbox,
        pattern: DOC_PATTERN,
        assets: ['rag_docs_index'],
      }),
      // its first evaluation sees the shipped demo documents as new: the first worker indexes them at start
      ...(c.demoDocs
        ? [
            defineSensor({
              name: 'rag_demo_docs',
              kind: 'files',
              dir: DEMO_DOCS_DIR,
              pattern: DOC_PATTERN,
              assets: ['rag_docs_index'],
            }),
          ]
        : []),
    ],
  };
}
