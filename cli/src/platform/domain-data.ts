import { setTimeout as sleep } from 'node:timers/promises';
import type { DatabaseHandle } from '@ysh/common';
import { runYsh } from './run-ysh.ts';

/** What the console line waits for: the gold tables proposals and search read. */
const GOLD = ['catalog_items', 'tarifas_gold'];
const GIVE_UP_AFTER_MS = 15 * 60_000;

/**
 * Before the batch-jobs worker starts: seeds the inboxes on the first start (the shipped CEC
 * lists and example supplier feeds, the ANEEL fixtures; seeding only fills folders that do not
 * exist) and queues one run of the catalog and tariffs with everything upstream and what reads
 * them (the catalog's search index, the proposals). Queued first, that run holds back the
 * worker's file sensors, which would otherwise run the same chain beside it for the seeded
 * files; they run after it and find everything up to date. Resolves with the run id.
 */
export async function queueDomainData(env: NodeJS.ProcessEnv): Promise<string> {
  await runYsh(['jobs', 'seed-domain'], env);
  const out = await runYsh(
    ['jobs', 'materialize', 'rag_catalog_index', 'propostas_enriched', '--upstream', '--no-wait'],
    env,
  );
  const id = /run (\S+) queued/.exec(out)?.[1];
  if (!id) throw new Error(`unexpected output of ysh jobs materialize: ${out.trim()}`);
  return id;
}

/** Waits for the run's catalog and tariff steps; resolves with one line for the console. */
export async function domainDataReady(db: DatabaseHandle, runId: string): Promise<string> {
  const since = Date.now();
  for (;;) {
    const { rows } = await db.pool.query<{ asset_key: string; status: string; why: string | null }>(
      `SELECT asset_key, status, coalesce(reason, error->>'message') AS why
       FROM job_steps WHERE run_id = $1 AND asset_key = ANY($2::text[])`,
      [runId, GOLD],
    );
    const done = rows.filter((r) => r.status === 'succeeded' || r.status === 'up_to_date');
    if (done.length === GOLD.length) break;
    const failed = rows.filter((r) => ['failed', 'blocked', 'canceled'].includes(r.status));
    if (failed.length)
      throw new Error(
        `${failed.map((r) => `${r.asset_key} ${r.status}: ${r.why ?? ''}`).join('; ')} (ysh jobs run ${runId})`,
      );
    if (Date.now() - since > GIVE_UP_AFTER_MS)
      throw new Error(`run ${runId} still unfinished after 15 minutes (ysh jobs run ${runId})`);
    await sleep(1000);
  }
  const { rows } = await db.pool.query<{ items: number; quarantined: number; distribuidoras: number; tariffs: number }>(
    `SELECT (SELECT count(*)::int FROM catalog_items) AS items,
            (SELECT count(*)::int FROM catalog_quarantine) AS quarantined,
            (SELECT count(DISTINCT distribuidora)::int FROM tarifas_gold) AS distribuidoras,
            (SELECT count(*)::int FROM tarifas_gold) AS tariffs`,
  );
  const r = rows[0] ?? { items: 0, quarantined: 0, distribuidoras: 0, tariffs: 0 };
  return `catalog and tariffs materialized: ${r.items} catalog items (${r.quarantined} rows in quarantine), ${r.tariffs} tariffs of ${r.distribuidoras} distribuidoras (ANEEL fixtures, not current tariffs) — ysh jobs status, ysh tarifa --distribuidora CEMIG-D --subgrupo B1; the catalog's search index follows (ysh search)`;
}
