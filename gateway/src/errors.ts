import { type ErrorTable, YshError, type YshErrorOptions } from '@ysh/common';

/**
 * The one table of gateway error codes: HTTP status, whether the client may
 * retry the same request, and what it means. The Fastify error handler
 * answers from it; the README lists it; a test keeps the three in step.
 */
export const GATEWAY_ERRORS = {
  GW_UNAUTHENTICATED: {
    status: 401,
    retriable: false,
    description: 'no bearer token, or a token that is unknown or revoked',
  },
  GW_FORBIDDEN_SITE: {
    status: 403,
    retriable: false,
    description: 'the token belongs to another site than the batch (or MQTT topic) names',
  },
  GW_NOT_FOUND: { status: 404, retriable: false, description: 'no such route' },
  GW_BAD_REQUEST: {
    status: 400,
    retriable: false,
    description: 'the request itself is malformed (headers, Content-Length, framing)',
  },
  GW_MALFORMED_JSON: { status: 400, retriable: false, description: 'the body is not valid JSON' },
  GW_INVALID_BATCH: {
    status: 400,
    retriable: false,
    description:
      'the batch envelope breaks the contract (v, batchId, site, readings, meta); readings are checked one by one',
  },
  GW_BODY_TOO_LARGE: { status: 413, retriable: false, description: 'the body as sent is larger than the body limit' },
  GW_DECOMPRESSED_TOO_LARGE: {
    status: 413,
    retriable: false,
    description: 'the gzip body inflates past the decompressed-size limit',
  },
  GW_BAD_ENCODING: { status: 400, retriable: false, description: 'the body is not valid gzip though it says so' },
  GW_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    retriable: false,
    description: 'Content-Type is not application/json, or Content-Encoding is neither gzip nor identity',
  },
  GW_RATE_LIMITED: {
    status: 429,
    retriable: true,
    description: 'the site sent more requests than its rate limit allows; wait Retry-After seconds',
  },
  GW_KAFKA_UNAVAILABLE: {
    status: 503,
    retriable: true,
    description:
      'Kafka did not acknowledge the readings in time (nothing of the batch counts as stored); retry after Retry-After seconds',
  },
  GW_BACKPRESSURE: {
    status: 503,
    retriable: true,
    description: 'too many bytes already wait for Kafka; retry after Retry-After seconds',
  },
  GW_DEDUP_PENDING: {
    status: 503,
    retriable: true,
    description: 'a reading of the batch is being stored by another request right now; retry after Retry-After seconds',
  },
  GW_DEPENDENCY_UNAVAILABLE: {
    status: 503,
    retriable: true,
    description: 'the database or key-value store could not be reached',
  },
  GW_INTERNAL: { status: 500, retriable: true, description: 'an unexpected fault in the gateway (a bug: report it)' },
} as const satisfies ErrorTable;

export type GatewayErrorCode = keyof typeof GATEWAY_ERRORS;

export class GatewayError extends YshError {
  declare readonly code: GatewayErrorCode;
  /** Seconds for Retry-After, when the error is retriable after a wait. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: GatewayErrorCode,
    message: string,
    options: Omit<YshErrorOptions, 'httpStatus' | 'retriable'> & { retryAfterSeconds?: number } = {},
  ) {
    const entry = GATEWAY_ERRORS[code];
    super(code, message, { ...options, httpStatus: entry.status, retriable: entry.retriable });
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** JSON body of every error answer. */
export interface ErrorBody {
  error: { code: GatewayErrorCode; message: string; retriable: boolean };
}

export function errorBody(err: GatewayError): ErrorBody {
  return { error: { code: err.code, message: err.message, retriable: err.retriable } };
}
