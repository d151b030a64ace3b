import { type ErrorTable, tableError } from '@ysh/common';

/**
 * The one table of admin API error codes: HTTP status, whether the same request may
 * succeed if repeated, and what it means. The Fastify error handler answers from it
 * (`{ error: { code, message, requestId } }`); the README lists it; a test keeps them in step.
 */
export const API_ERRORS = {
  API_UNAUTHENTICATED: {
    status: 401,
    retriable: false,
    description: 'no session cookie or API key, or one that is unknown, expired, revoked or of a disabled user',
  },
  API_LOGIN_FAILED: { status: 401, retriable: false, description: 'wrong email or password, or a disabled user' },
  API_CSRF: {
    status: 403,
    retriable: false,
    description: 'a mutating request with the session cookie lacks the x-csrf-token header matching ysh_csrf',
  },
  API_FORBIDDEN: { status: 403, retriable: false, description: "the caller's role does not allow this route" },
  API_NOT_FOUND: {
    status: 404,
    retriable: false,
    description: "no such route, or no such resource within the caller's site scope",
  },
  API_BAD_REQUEST: {
    status: 400,
    retriable: false,
    description: 'the request does not match the route schema (unknown fields, bad ids, bad filters, bad cursor)',
  },
  API_CONFLICT: { status: 409, retriable: false, description: 'the resource already exists or is in another state' },
  API_BODY_TOO_LARGE: { status: 413, retriable: false, description: 'the request body exceeds the body limit' },
  API_UNSUPPORTED_MEDIA_TYPE: { status: 415, retriable: false, description: 'the body is not JSON' },
  API_RATE_LIMITED: { status: 429, retriable: true, description: 'too many requests from this client; retry later' },
  API_UNAVAILABLE: {
    status: 503,
    retriable: true,
    description: 'the database could not be reached, or the service is shutting down',
  },
  API_BATCH_UNAVAILABLE: {
    status: 503,
    retriable: true,
    description:
      'the batch-jobs services (tariffs, catalog, proposals, search, runs) are not available in this process (start it through ysh)',
  },
  API_BATCH_FAILED: {
    status: 502,
    retriable: true,
    description:
      'a batch-jobs service the request needs failed on its side (irradiance source, embedder, vector store); retry later',
  },
  API_INTERNAL: {
    status: 500,
    retriable: true,
    description: 'an unexpected fault in the admin API (a bug: report it)',
  },
} as const satisfies ErrorTable;

export type ApiErrorCode = keyof typeof API_ERRORS;

export class ApiError extends tableError(API_ERRORS) {}

export interface ErrorBody {
  error: { code: string; message: string; requestId: string };
}
