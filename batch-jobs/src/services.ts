import type { Logger } from '@ysh/common';
import type { Pool } from '@ysh/common/db';
import type { BatchServices, ProposalJson } from '@ysh/common/domain';
import type PgBoss from 'pg-boss';
import { getCatalogItem, listCatalogItems } from './catalog/catalog-store.ts';
import { compareRuns } from './compare/run-compare.ts';
import { loadJobsConfig } from './config.ts';
import { loadDefinitions } from './definitions.ts';
import { planRun, type RunPlan, type RunTrigger } from './engine/plan.ts';
import { startQueue } from './engine/queue.ts';
import { retryPlan } from './engine/retry-backfill.ts';
import { createRun } from './engine/run-store.ts';
import { getRunDetail, runDetailJson } from './history/run-detail.ts';
import { stepPolicy } from './engine/worker.ts';
import { makeProposal } from './propostas/make.ts';
import { renderProposalPdf } from './propostas/pdf.ts';
import { parseQuote } from './propostas/quote.ts';
import { getProposal, listProposals } from './propostas/store.ts';
import { localEmbedder } from './rag/local-embedder.ts';
import { ragRuntime } from './rag/runtime.ts';
import { searchChunks } from './search/search.ts';
import { assetStatuses } from './status/asset-status.ts';
import { lookupTariff, tariffSource } from './tarifas/lookup.ts';

/**
 * The batch-jobs domain as the wiring layer hands it to other components (ServiceProvider.batch):
 * the same functions the `ysh jobs|tarifa|proposta|search` commands call, over the caller's pool.
 * Options come from the environment once (loadJobsConfig); the asset
 * definitions are loaded once; runs are queued with pg-boss (started on first use) and run by the
 * jobs worker — nothing here waits for them. Errors keep their JobsError codes.
 */
export async function createBatchServices(pool: Pool, logger: Logger): Promise<BatchServices> {
  const config = loadJobsConfig(process.env);
  const defs = await loadDefinitions(config);
  let boss: Promise<PgBoss> | undefined;
  const queue = () => {
    boss ??= startQueue(
      pool,
      {
        schema: config.queueSchema,
        pollingIntervalSeconds: 2,
        maintenanceIntervalSeconds: 60,
        retentionDays: 30,
        supervise: false,
      },
      (err) => logger.warn({ err: err.message }, 'job queue error'),
    );
    return boss;
  };
  const queueRun = async (plan: RunPlan, trigger: RunTrigger, by: string, parentRunId?: string) => {
    const runId = await createRun(pool, await queue(), defs.graph, stepPolicy(config), {
      trigger,
      requestedBy: by,
      plan,
      ...(parentRunId ? { parentRunId } : {}),
      origin: { via: 'admin-api' },
    });
    logger.info({ runId, trigger, by, steps: plan.steps.length }, 'run queued');
    return { runId };
  };
  const asJson = (p: object) => p as ProposalJson;

  return {
    tariff: (query) => lookupTariff(pool, query, { taxes: config.tariffTaxes }),
    catalog: {
      list: (filter) => listCatalogItems(pool, filter),
      get: (sku) => getCatalogItem(pool, sku),
    },
    proposals: {
      async create(input, by) {
        const quote = parseQuote(input);
        const p = await makeProposal(pool, quote, {
          config: config.propostas,
          origin: `api:${by}`,
          tariffSource: tariffSource(pool, { taxes: config.tariffTaxes }),
          warn: (m) => logger.warn({ by }, m),
        });
        return asJson(await getProposal(pool, p.id));
      },
      list: (o) => listProposals(pool, o.limit, o),
      get: async (id) => asJson(await getProposal(pool, id)),
      pdf: async (id) => renderProposalPdf(await getProposal(pool, id)),
    },
    async search(req) {
      const rt = await ragRuntime(pool, config.rag);
      const r = await searchChunks(
        pool,
        { q: req.q, namespace: req.namespace, filters: req.filters, limit: req.limit },
        {
          embedders: [rt.embedder, localEmbedder(config.rag.localDimensions)],
          store: rt.store.kind === 'none' ? undefined : rt.store,
        },
      );
      return {
        mode: r.mode,
        ...(r.note ? { note: r.note } : {}),
        hits: r.hits.map((h) => ({
          namespace: h.namespace,
          source: h.source,
          title: h.title,
          section: h.section,
          page: h.page,
          score: h.score,
          text: h.text,
        })),
      };
    },
    jobs: {
      materialize: (req) =>
        queueRun(
          planRun(defs.graph, { assets: req.assets, downstream: req.downstream, upstream: req.upstream }),
          'manual',
          req.by,
        ),
      retry: async (runId, by) => queueRun(await retryPlan(pool, defs.graph, runId), 'retry', by, runId),
      compare: (a, b) => compareRuns(pool, a, b),
      run: async (id) => runDetailJson(await getRunDetail(pool, id)),
      assets: async () =>
        (await assetStatuses(pool, defs.graph)).map((s) => ({
          key: s.key,
          layer: s.layer,
          state: s.state,
          reasons: s.reasons,
          warnings: s.warnings,
          running: s.running,
          deps: [...defs.graph.get(s.key).deps],
          lastMaterializedAt: s.last?.at ?? null,
          lastRunId: s.last?.runId ?? null,
          nextTick: s.nextTick ?? null,
        })),
    },
    async close() {
      const b = boss;
      boss = undefined;
      if (b) await (await b).stop({ graceful: false, close: false, wait: false }).catch(() => {});
    },
  };
}
