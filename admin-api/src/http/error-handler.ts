import { isYshError } from '@ysh/common';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, type ErrorBody } from '../errors.ts';

const FASTIFY_CODES: Record<string, ConstructorParameters<typeof ApiError>[0]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'API_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'API_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'API_BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'API_BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'API_BAD_REQUEST',
  FST_ERR_CTP_EMPTY_TYPE: 'API_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_TYPE: 'API_UNSUPPORTED_MEDIA_TYPE',
};

/** Codes of other tables that reach this API, by their HTTP status. */
const BY_STATUS: Record<number, ConstructorParameters<typeof ApiError>[0]> = {
  400: 'API_BAD_REQUEST',
  404: 'API_NOT_FOUND',
  409: 'API_CONFLICT',
  503: 'API_UNAVAILABLE',
};

/** Any error → an ApiError from the one table (unknown faults become API_INTERNAL). */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as FastifyError & { statusCode?: number; validation?: unknown };
  if (e?.validation) return new ApiError('API_BAD_REQUEST', e.message, { cause: err });
  const mapped = e?.code ? FASTIFY_CODES[e.code] : undefined;
  if (mapped) return new ApiError(mapped, e.message, { cause: err });
  if (e?.statusCode === 429) return new ApiError('API_RATE_LIMITED', e.message, { cause: err });
  if (isYshError(err) && err.httpStatus !== undefined && BY_STATUS[err.httpStatus])
    return new ApiError(BY_STATUS[err.httpStatus] as 'API_BAD_REQUEST', err.message, { cause: err });
  // PostgreSQL: a value the column type refuses, a duplicate, a missing referenced row; a dead connection.
  const pg = (err as { code?: string })?.code;
  // 22021/22P05: a NUL or other byte PostgreSQL text cannot hold.
  if (['22P02', '22007', '22008', '23514', '22001', '22021', '22P05', '22003'].includes(pg ?? ''))
    return new ApiError('API_BAD_REQUEST', 'a value is not valid for its field', { cause: err });
  if (pg === '23505') return new ApiError('API_CONFLICT', 'the resource already exists', { cause: err });
  if (pg === '23503') return new ApiError('API_NOT_FOUND', 'a referenced resource does not exist', { cause: err });
  if (pg === 'ECONNREFUSED' || pg === '57P01' || pg === 'DB_UNAVAILABLE')
    return new ApiError('API_UNAVAILABLE', 'the database could not be reached', { cause: err });
  if (e?.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500)
    return new ApiError(e.statusCode === 404 ? 'API_NOT_FOUND' : 'API_BAD_REQUEST', e.message, { cause: err });
  return new ApiError('API_INTERNAL', 'unexpected admin API fault', { cause: err });
}

export function errorBody(err: ApiError, requestId: string): ErrorBody {
  return { error: { code: err.code, message: err.message, requestId } };
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const api = toApiError(err);
    if (api.code === 'API_INTERNAL') request.log.error({ err }, 'unexpected fault');
    else if (api.code === 'API_UNAVAILABLE') request.log.warn({ err: api.message }, 'request refused');
    return reply
      .code(api.httpStatus as number)
      .type('application/json')
      .send(errorBody(api, request.id));
  });
  app.setNotFoundHandler((request, reply) => {
    const api = new ApiError('API_NOT_FOUND', `${request.method} ${request.url.split('?')[0]}: no such route`);
    return reply.code(404).type('application/json').send(errorBody(api, request.id));
  });
}
