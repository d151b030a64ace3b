import type { CatalogItem, CatalogKind } from './catalog-item.ts';
import type { TariffQuery, TariffQuote } from './tariff-quote.ts';

/**
 * What the batch-jobs component offers other components (the admin API) without being imported
 * by them: the wiring layer (`ysh`, cli/src/services.ts) builds it from @ysh/batch-jobs and hands
 * it over through `ServiceProvider.batch`. Errors keep the batch-jobs codes (JOBS_*), with
 * `httpStatus` unset; callers map them by code.
 */
export interface BatchServices {
  /** The gold tariff in force (lookupTariff). */
  tariff(query: TariffQuery): Promise<TariffQuote>;
  catalog: {
    list(filter: CatalogListFilter): Promise<CatalogItem[]>;
    /** null when no product has that SKU */
    get(sku: string): Promise<CatalogItem | null>;
  };
  proposals: {
    /** Validates the quote, sizes, prices and stores the proposal; returns it (JSON). */
    create(quote: unknown, by: string): Promise<ProposalJson>;
    /** newest first (createdAt DESC, id); `sites` keeps those linked to one of them or to none */
    list(o: {
      limit: number;
      after?: { createdAt: string; id: string };
      sites?: readonly string[] | null;
    }): Promise<ProposalSummary[]>;
    get(id: string): Promise<ProposalJson>;
    pdf(id: string): Promise<Buffer>;
  };
  search(req: DomainSearchRequest): Promise<DomainSearchResult>;
  jobs: {
    /** Plans and queues a run (does not wait for it). */
    materialize(req: MaterializeRequest): Promise<{ runId: string }>;
    /** Queues a run of the failed, blocked and canceled steps of `runId`. */
    retry(runId: string, by: string): Promise<{ runId: string }>;
    compare(a: string, b: string): Promise<RunComparisonJson>;
    /** A run with its steps, attempts, check results and (the first 500) step logs; JOBS_RUN_NOT_FOUND if unknown. */
    run(id: string): Promise<RunDetailJson>;
    /** Every asset of the graph with its state and reasons, as `ysh jobs status` judges them. */
    assets(): Promise<AssetStatusJson[]>;
  };
  /** Releases the job queue connection. */
  close(): Promise<void>;
}

export interface CatalogListFilter {
  kind?: CatalogKind;
  brand?: string;
  q?: string;
  /** the last SKU of the previous page */
  cursor?: string;
  limit?: number;
}

/** A stored proposal as JSON: the whole result plus `id`, `status`, `siteId`. */
export type ProposalJson = Record<string, unknown> & { id: string; status: string; siteId: string | null };

/**
 * An asset as `ysh jobs status` sees it: fresh (nothing it was built from changed), stale (the
 * reasons say what changed or which deadline was missed), failing (its latest step failed) or
 * missing (never materialized); `deps` are the asset keys it reads, from the definitions.
 */
export interface AssetStatusJson {
  key: string;
  layer: string;
  state: 'fresh' | 'stale' | 'failing' | 'missing';
  reasons: string[];
  warnings: string[];
  running: boolean;
  deps: string[];
  lastMaterializedAt: string | null;
  lastRunId: string | null;
  nextTick: string | null;
}

/** `ysh jobs run <id>` as JSON (dates as Date: serialized as ISO text). */
export interface RunDetailJson {
  run: Record<string, unknown> & { id: string; status: string };
  steps: Array<Record<string, unknown>>;
  attempts: Array<Record<string, unknown>>;
  checks: Array<Record<string, unknown>>;
  logs: Array<Record<string, unknown>>;
}

/** `ysh jobs compare` as JSON: the two runs, config diff, per-asset sides, changed checks. */
export interface RunComparisonJson {
  a: unknown;
  b: unknown;
  config: unknown[];
  onlyIn: { a: string[]; b: string[] };
  assets: unknown[];
  checks: unknown[];
}

export interface ProposalSummary {
  id: string;
  status: string;
  origin: string;
  customerClass: string;
  distribuidora: string;
  dcKwp: number;
  annualKwh: number;
  irr: number | null;
  npvBrl: number;
  paybackYears: number | null;
  siteId: string | null;
  catalogVersion: string;
  tariffVersion: string;
  createdAt: string;
}

export interface DomainSearchRequest {
  q: string;
  namespace?: string;
  /** catalog metadata filters */
  filters?: { brand?: string; kind?: string };
  limit?: number;
}

export interface DomainSearchResult {
  mode: 'hybrid' | 'fulltext';
  note?: string;
  hits: Array<{
    namespace: string;
    source: string;
    title: string;
    section: string | null;
    page: number | null;
    score: number;
    text: string;
  }>;
}

export interface MaterializeRequest {
  assets: string[];
  downstream?: boolean;
  upstream?: boolean;
  /** who asked (recorded as the run's requested_by) */
  by: string;
}
