import rateLimit from '@fastify/rate-limit';
import { BatchResponseSchema } from '@ysh/common';
import type { KvStore } from '@ysh/common/kv';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GatewayError } from '../errors.ts';
import { decodeBody } from '../ingest/decode-body.ts';
import type { Ingestor } from '../ingest/ingestor.ts';
import type { GatewayMetrics } from '../metrics.ts';
import { kvRateLimitStore } from './kv-rate-limit-store.ts';

export interface TelemetryRoutesOptions {
  ingestor: Ingestor;
  kv: KvStore;
  metrics: GatewayMetrics;
  bodyLimitBytes: number;
  maxDecompressedBytes: number;
  rateLimit: { max: number; windowMs: number };
}

const ErrorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' }, retriable: { type: 'boolean' } },
    },
  },
} as const;

/** POST /v1/telemetry — registered with prefix /v1. */
export async function telemetryRoutes(app: FastifyInstance, opts: TelemetryRoutesOptions): Promise<void> {
  // Our own JSON parser: gzip with a decompressed-size cap, errors from the gateway table.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit: opts.bodyLimitBytes },
    (request: FastifyRequest, body: Buffer, done: (err: Error | null, value?: unknown) => void) => {
      const encoding = request.headers['content-encoding'];
      decodeBody(body, Array.isArray(encoding) ? encoding.join(',') : encoding, opts.maxDecompressedBytes).then(
        (value) => done(null, value),
        (err: Error) => done(err),
      );
    },
  );

  await app.register(rateLimit, {
    global: false,
    hook: 'preParsing',
    max: opts.rateLimit.max,
    timeWindow: opts.rateLimit.windowMs,
    store: kvRateLimitStore(opts.kv, opts.rateLimit.windowMs),
    keyGenerator: (request) => `site:${request.site ?? request.ip}`,
    skipOnError: true,
    errorResponseBuilder: (_request, ctx) =>
      new GatewayError('GW_RATE_LIMITED', `rate limit of ${ctx.max} requests per ${ctx.after} exceeded`, {
        retryAfterSeconds: Math.max(1, Math.ceil(ctx.ttl / 1000)),
      }),
  });

  app.post(
    '/telemetry',
    {
      onRequest: app.requireSite,
      config: { rateLimit: {} },
      schema: {
        response: { 200: BatchResponseSchema, '4xx': ErrorSchema, '5xx': ErrorSchema },
      },
    },
    async (request) => {
      const end = opts.metrics.requestSeconds.startTimer({ route: 'telemetry' });
      try {
        if (request.body === undefined || request.body === null)
          throw new GatewayError('GW_MALFORMED_JSON', 'body: expected a JSON batch');
        return await opts.ingestor.ingest(request.site as string, request.body, 'http');
      } finally {
        end();
      }
    },
  );
}
