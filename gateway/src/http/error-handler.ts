import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError, errorBody, type GatewayErrorCode } from '../errors.ts';

/** Fastify's own error codes, translated into the gateway table. */
const FASTIFY_CODES: Record<string, GatewayErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'GW_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'GW_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'GW_BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'GW_MALFORMED_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'GW_MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_TYPE: 'GW_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_TYPE: 'GW_UNSUPPORTED_MEDIA_TYPE',
};

/** Any error → a GatewayError from the one table (unknown faults become GW_INTERNAL). */
export function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  const e = err as FastifyError & { statusCode?: number };
  const mapped = e?.code ? FASTIFY_CODES[e.code] : undefined;
  if (mapped) return new GatewayError(mapped, e.message, { cause: err });
  if (e?.statusCode === 429) return new GatewayError('GW_RATE_LIMITED', e.message, { cause: err });
  if (e?.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500)
    return new GatewayError('GW_BAD_REQUEST', e.message, { cause: err });
  return new GatewayError('GW_INTERNAL', 'unexpected gateway fault', { cause: err });
}

export function installErrorHandling(app: FastifyInstance): void {
  // During an outage every request is refused: log each code at most once a second, with the count.
  const lastLogged = new Map<string, { at: number; suppressed: number }>();
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const gw = toGatewayError(err);
    if (gw.code === 'GW_INTERNAL') request.log.error({ err }, 'unexpected fault');
    else if (gw.httpStatus === 503) {
      const now = Date.now();
      const last = lastLogged.get(gw.code);
      if (!last || now - last.at >= 1000) {
        request.log.warn({ code: gw.code, reason: gw.message, alsoRefused: last?.suppressed ?? 0 }, 'request refused');
        lastLogged.set(gw.code, { at: now, suppressed: 0 });
      } else last.suppressed++;
    }
    if (gw.retryAfterSeconds !== undefined) reply.header('retry-after', String(gw.retryAfterSeconds));
    return reply
      .code(gw.httpStatus as number)
      .type('application/json')
      .send(errorBody(gw));
  });
  app.setNotFoundHandler((request, reply) => {
    const gw = new GatewayError('GW_NOT_FOUND', `${request.method} ${request.url.split('?')[0]}: no such route`);
    return reply.code(404).type('application/json').send(errorBody(gw));
  });
}
