import { isYshError } from '@ysh/common';
import type { BatchServices } from '@ysh/common/domain';
import type { ApiContext } from '../context.ts';
import { ApiError, type ApiErrorCode } from '../errors.ts';

/** batch-jobs codes (JOBS_*) the domain routes meet, as the API's codes; the message is kept. */
const BATCH_CODES: Record<string, ApiErrorCode> = {
  JOBS_TARIFF_NOT_FOUND: 'API_NOT_FOUND',
  JOBS_PROPOSAL_NOT_FOUND: 'API_NOT_FOUND',
  JOBS_RUN_NOT_FOUND: 'API_NOT_FOUND',
  JOBS_ASSET_UNKNOWN: 'API_NOT_FOUND',
  JOBS_TARIFF_QUERY_INVALID: 'API_BAD_REQUEST',
  JOBS_TARIFF_TAXES_UNKNOWN: 'API_BAD_REQUEST',
  JOBS_QUOTE_INVALID: 'API_BAD_REQUEST',
  JOBS_SIZING_INFEASIBLE: 'API_BAD_REQUEST',
  JOBS_PARTITION_INVALID: 'API_BAD_REQUEST',
  JOBS_CONFIG_INVALID: 'API_BAD_REQUEST',
  JOBS_RUN_NOT_RETRIABLE: 'API_CONFLICT',
};

/** A batch-jobs error as an API error: not found → 404, invalid → 400, a failing source → 502. */
export function fromBatchError(err: unknown): unknown {
  if (!isYshError(err) || !err.code.startsWith('JOBS_')) return err;
  const mapped = BATCH_CODES[err.code];
  if (mapped) return new ApiError(mapped, err.message, { cause: err });
  if (err.retriable) return new ApiError('API_BATCH_FAILED', `${err.code}: ${err.message}`, { cause: err });
  return err;
}

/** Runs `fn` with the batch services (503 API_BATCH_UNAVAILABLE without them), mapping their errors. */
export async function withBatch<T>(ctx: ApiContext, fn: (batch: BatchServices) => Promise<T>): Promise<T> {
  if (!ctx.batch)
    throw new ApiError(
      'API_BATCH_UNAVAILABLE',
      'the batch-jobs services are not available in this API process (start it with `ysh api` or `ysh start`)',
    );
  try {
    return await fn(ctx.batch);
  } catch (err) {
    throw fromBatchError(err);
  }
}
