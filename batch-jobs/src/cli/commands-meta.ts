import { type CliCommand, commonEnv } from '@ysh/common';
import { jobsEnv } from '../config.ts';
import { propostasEnv } from '../propostas/config.ts';

/**
 * What `ysh --help` and `ysh <command> --help` show of the batch-jobs commands, without their
 * implementations: the package's `./cli` export (cli-entry.ts) builds its commands from these and
 * loads the engine, the assets and their libraries only when one of them runs, so every other
 * `ysh` command starts without them.
 */
export type CommandMeta = Omit<CliCommand, 'run'>;

export const JOBS_USAGE = `Usage: ysh jobs <command> [flags]

  list                                  the assets: layer, deps, code version, schedule, freshness, checks
  status [ASSET…] [--json]              fresh / stale / failing / missing for each asset, and why
  materialize ASSET… [--downstream] [--upstream] [--partition P] [--config JSON] [--force]
                     [--no-wait] [--local]
                                        start a run (waits and shows progress unless --no-wait)
  runs [--asset A] [--limit N] [--json] recent runs
  run ID [--json]                       one run: steps, attempts, checks, logs
  compare RUN_A RUN_B [--json]          config diff, per-asset versions/rows/metadata, changed checks
  retry RUN [--no-wait] [--local]       re-run only the failed steps of RUN and what depends on them
  backfill ASSET --from P --to P [--no-wait] [--local]
                                        run the missing or failed partitions in the range
  lineage ASSET [--json]                upstream and downstream assets, and what was last read
  worker [--port P]                     execute steps, schedules, sensors, freshness (/health, /metrics)
  prune [--days N]                      delete run history older than N days (bounded batches)
  seed-demo [--days N] [--start DATE] [--file NAME]
                                        write a synthetic meter CSV into the demo inbox
  seed-domain                           first start: copy the example supplier feeds and the ANEEL
                                        fixtures into <inbox>/catalog and <inbox>/aneel

--local runs a worker inside the command while it waits (no separate worker needed).
Database: YSH_DATABASE_URL, else the embedded PostgreSQL that \`ysh start\` serves on
127.0.0.1:15432. Options come from the environment (see batch-jobs/README.md).`;

export const TARIFA_USAGE = `Usage: ysh tarifa --distribuidora NAME --subgrupo B1 [--modalidade Convencional]
                  [--classe Residencial] [--date YYYY-MM-DD] [--json]

The ANEEL tariff in force on the date (default today, America/Sao_Paulo) from the gold table
tarifas_gold: TE, TUSD (and Fio B where the source has it), the month's bandeira, ICMS/PIS/COFINS
grossed up "por dentro" (YSH_TARIFA_TAXES), and the REH, file and line it came from.
--json prints the same answer as the admin API.`;

export const PROPOSTA_USAGE = `Usage: ysh proposta <command> [flags]

  new --file QUOTE.json [--out FILE.pdf] [--json]   size, price and store a proposal; print its summary, write its PDF
  list [--limit N] [--json]                         stored proposals, newest first
  show ID [--json]                                  one proposal's summary (--json: everything, with every assumption)
  pdf ID [--out FILE.pdf]                           write a stored proposal's PDF
  accept ID --site SITE                             the customer accepted: link the proposal to its monitored site

The quote format is documented in batch-jobs/README.md (propostas); examples/quote-b1.json is one.
A quote may give location.city (with its UF) instead of lat/lon: it is located with OpenStreetMap
Nominatim (YSH_PROPOSTAS_GEOCODER_URL) once per city. Quotes also enter as CSV rows dropped into
$YSH_JOBS_INBOX/propostas, one per row (the jobs worker makes them; see examples/quotes-inbox.csv).
Database: YSH_DATABASE_URL, else the embedded PostgreSQL (as ysh jobs).`;

export const RAG_USAGE = `Usage: ysh rag <command> [flags]

  plan   [--namespace catalog|docs] [--json]   what an index run would embed, update and delete, and its cost
  index  [--namespace catalog|docs] [--json]   run the incremental indexer now (in this process)
  verify [--namespace catalog|docs] [--repair] [--json]
                                               reconcile the vector store with the manifest: missing,
                                               orphaned, stale ids; --repair fixes them (exit 1 when
                                               something is wrong and not repaired)

Without --namespace: both. The worker runs the same indexing as the assets rag_catalog_index and
rag_docs_index (ysh jobs materialize …). Mode: OpenAI + Pinecone when OPENAI_API_KEY / PINECONE_API_KEY
are set, else the local embedder and pgvector (see batch-jobs/README.md, "RAG").`;

export const SEARCH_USAGE = `Usage: ysh search "QUERY" [--namespace catalog|docs] [--filter KEY=VALUE]… [--limit N] [--json]

  --filter kind=inverter|module   brand=NAME   power_min=W   power_max=W   price_min=BRL   price_max=BRL

Hybrid search (full-text portuguese + vectors, reciprocal rank fusion) over the active index versions.`;

export const JOBS_META: CommandMeta = {
  name: 'jobs',
  env: { ...commonEnv, ...jobsEnv, ...propostasEnv },
  summary: 'batch asset graph: list, status, materialize, runs, compare, retry, backfill, lineage, worker',
  usage: JOBS_USAGE,
};
export const TARIFA_META: CommandMeta = {
  name: 'tarifa',
  summary: 'the ANEEL tariff in force for a distribuidora and subgrupo, all-in, with its provenance',
  usage: TARIFA_USAGE,
};
export const PROPOSTA_META: CommandMeta = {
  name: 'proposta',
  summary: 'solar proposals: size, estimate generation, Lei 14.300 savings, IRR/NPV/payback/LCOE, PDF',
  usage: PROPOSTA_USAGE,
};
export const RAG_META: CommandMeta = {
  name: 'rag',
  summary: 'RAG index of the catalog and documents: plan (cost), index, verify [--repair]',
  usage: RAG_USAGE,
};
export const SEARCH_META: CommandMeta = {
  name: 'search',
  summary: 'search the RAG index (catalog and documents): ranked chunks with source and section',
  usage: SEARCH_USAGE,
};
