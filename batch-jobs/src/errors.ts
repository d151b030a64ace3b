import { type ErrorTable, errorOptions, YshError, type YshErrorOptions } from '@ysh/common';

/**
 * The one table of batch-jobs error codes: whether the failing work may be
 * retried, and what it means. The README lists it; a test keeps both in step.
 * A step whose error is retriable is retried with backoff up to the asset's
 * limit; any other error fails the step at once.
 */
export const JOBS_ERRORS = {
  JOBS_GRAPH_INVALID: {
    retriable: false,
    description:
      'the asset graph is wrong: an unknown dependency, a cycle or a duplicate key (the message names the assets)',
  },
  JOBS_ASSET_UNKNOWN: { retriable: false, description: 'no asset has that key' },
  JOBS_CONFIG_INVALID: {
    retriable: false,
    description: "an asset's configuration does not match its schema (the message names the asset and the field)",
  },
  JOBS_PARTITION_INVALID: {
    retriable: false,
    description: 'a partition key or range does not fit the asset (not partitioned, malformed, before its start)',
  },
  JOBS_RUN_NOT_FOUND: { retriable: false, description: 'no run has that id' },
  JOBS_RUN_NOT_RETRIABLE: { retriable: false, description: 'the run has no failed step to retry, or is still running' },
  JOBS_CRON_INVALID: {
    retriable: false,
    description: 'a cron expression or time zone of a schedule or deadline is wrong',
  },
  JOBS_MATERIALIZE_FAILED: {
    retriable: false,
    description: "an asset's materialize function failed with an error that is not marked retriable",
  },
  JOBS_UPSTREAM_MISSING: {
    retriable: true,
    description:
      'an upstream the step reads has no good materialization yet (another run may be making it, e.g. at first start); retried with backoff',
  },
  JOBS_TRANSIENT: {
    retriable: true,
    description: 'a materialization failed for a passing reason (network, lock, rate limit); retried with backoff',
  },
  JOBS_CHECK_FAILED: {
    retriable: false,
    description: 'a blocking check of severity error failed: the asset is failed and its downstream steps blocked',
  },
  JOBS_CANCELED: {
    retriable: true,
    description: 'the step was canceled (worker shutting down or step timeout); retried like a lost attempt',
  },
  JOBS_WORKER_LOST: {
    retriable: false,
    description: 'the step was picked up by workers that died more times than the crash allowance',
  },
  JOBS_SENSOR_FAILED: { retriable: true, description: 'a sensor could not read its source (e.g. the inbox directory)' },
  JOBS_QUOTE_INVALID: {
    retriable: false,
    description: 'a proposal quote is invalid: one line per field with what was expected (details.errors lists them)',
  },
  JOBS_SIZING_INFEASIBLE: {
    retriable: false,
    description:
      'no module/inverter/string layout passes the electrical and roof checks, or the layout given fails one (the message shows each check and its margin)',
  },
  JOBS_IRRADIANCE_UNAVAILABLE: {
    retriable: true,
    description:
      'the irradiation source of a proposal could not answer (NASA POWER down or refusing, no monitored site near enough)',
  },
  JOBS_PROPOSAL_NOT_FOUND: { retriable: false, description: 'no proposal has that id' },
  JOBS_SOURCE_UNREADABLE: {
    retriable: true,
    description: 'an asset could not read its source folder or file (permissions, a disk error)',
  },
  JOBS_FETCH_FAILED: {
    retriable: true,
    description: 'the ANEEL open-data portal did not answer or answered an error after the retries',
  },
  JOBS_TARIFF_QUERY_INVALID: {
    retriable: false,
    status: 400,
    description: 'a tariff query is malformed: missing distribuidora or subgrupo, or a date that is not YYYY-MM-DD',
  },
  JOBS_TARIFF_TAXES_UNKNOWN: {
    retriable: false,
    status: 422,
    description: 'the UF or the ICMS rate of a distribuidora is not configured (set YSH_TARIFA_TAXES)',
  },
  JOBS_TARIFF_NOT_FOUND: {
    retriable: false,
    status: 404,
    description:
      'no tariff is in force for that distribuidora, subgrupo, modalidade and classe on that date (the message lists what exists)',
  },
  JOBS_RAG_UNSUPPORTED_FORMAT: {
    retriable: false,
    description: 'a document in the RAG inbox has an extension no parser reads (PDF, Markdown, HTML, DOCX are read)',
  },
  JOBS_RAG_PARSE_FAILED: {
    retriable: false,
    description: 'a RAG document could not be parsed (the message names the file)',
  },
  JOBS_RAG_INPUT_TOO_LONG: {
    retriable: false,
    description: 'a chunk exceeds the embedding model limit of 8,192 tokens per input',
  },
  JOBS_RAG_RATE_LIMITED: {
    retriable: true,
    description: 'the embedding API kept answering 429 after the retries (Retry-After honoured); retried with backoff',
  },
  JOBS_RAG_EMBEDDING_FAILED: {
    retriable: true,
    description: 'the embedding API failed (5xx, network) after the retries; retried with backoff',
  },
  JOBS_RAG_QUOTA_EXCEEDED: {
    retriable: false,
    description: 'the embedding API account has no quota left (OpenAI insufficient_quota): add credit, then re-run',
  },
  JOBS_RAG_BUDGET_EXCEEDED: {
    retriable: false,
    description:
      'the planned embedding cost of a run exceeds the budget cap (YSH_RAG_BUDGET_USD); nothing was embedded',
  },
  JOBS_RAG_STORE_FAILED: {
    retriable: true,
    description: 'the vector store (Pinecone or pgvector) refused or failed a write, list or query',
  },
  JOBS_RAG_VECTOR_UNAVAILABLE: {
    retriable: false,
    description: 'the database has no pgvector extension and no Pinecone index is configured: only full-text search',
  },
} as const satisfies ErrorTable;

export type JobsErrorCode = keyof typeof JOBS_ERRORS;

export class JobsError extends YshError {
  declare readonly code: JobsErrorCode;
  /** Extra structured detail (e.g. the failed check) stored with the step. */
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: JobsErrorCode,
    message: string,
    options: Omit<YshErrorOptions, 'retriable' | 'httpStatus'> & { details?: Record<string, unknown> } = {},
  ) {
    super(code, message, errorOptions(JOBS_ERRORS, code, { cause: options.cause }));
    this.details = options.details;
  }
}

/** For asset code: wrap an error that will likely pass (timeouts, 503s) so the step is retried. */
export function transient(message: string, cause?: unknown): JobsError {
  return new JobsError('JOBS_TRANSIENT', message, { cause });
}

/** What a step stores about the error that stopped it. */
export interface StepErrorInfo {
  code: string;
  message: string;
  retriable: boolean;
  details?: Record<string, unknown>;
}

/** Any thrown value as stored step error: YshErrors keep their code and retriable flag, others are not retriable. */
export function stepErrorInfo(err: unknown): StepErrorInfo {
  if (err instanceof YshError) {
    return {
      code: err.code,
      message: err.message,
      retriable: err.retriable,
      ...(err instanceof JobsError && err.details ? { details: err.details } : {}),
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'JOBS_MATERIALIZE_FAILED', message, retriable: false };
}
