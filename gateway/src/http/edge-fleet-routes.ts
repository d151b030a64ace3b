import rateLimit from '@fastify/rate-limit';
import { AgentHeartbeats, EnrollmentCodes, FleetError, parseHeartbeat, SiteConfigs } from '@ysh/common/fleet';
import type { Pool } from '@ysh/common/db';
import type { KvStore } from '@ysh/common/kv';
import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../errors.ts';
import { kvRateLimitStore } from './kv-rate-limit-store.ts';

export interface EdgeFleetRoutesOptions {
  pool: Pool;
  kv: KvStore;
  /** Makes a fresh site token (the site registry). */
  issueToken: (site: string) => Promise<string>;
  enrollRateLimit: { max: number; windowMs: number };
}

const AGENT_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * The agent side of the edge fleet, registered with prefix /v1/edge:
 * - POST /enroll {code, agentId?} → {site, token}: a one-time code for the site token (no auth;
 *   rate limited per client address; every attempt recorded in enroll_attempts);
 * - GET /config → {version, body, createdAt} of the site's latest configuration, 204 when it has none;
 * - POST /heartbeat (heartbeat) → {configVersion}: the platform's latest version, so an agent
 *   fetches a new configuration within one beat.
 * Config and heartbeat authenticate with the site token, like telemetry.
 */
export async function edgeFleetRoutes(app: FastifyInstance, opts: EdgeFleetRoutesOptions): Promise<void> {
  const codes = new EnrollmentCodes(opts.pool);
  const configs = new SiteConfigs(opts.pool);
  const heartbeats = new AgentHeartbeats(opts.pool);

  await app.register(rateLimit, {
    global: false,
    store: kvRateLimitStore(opts.kv, opts.enrollRateLimit.windowMs),
    keyGenerator: (request) => `enroll:${request.ip}`,
    skipOnError: true,
    onExceeded: (request) => {
      void codes.record({ remote: request.ip, outcome: 'rate_limited' }).catch((err: unknown) => {
        request.log.warn({ err: (err as Error).message }, 'cannot record an enrollment attempt');
      });
    },
    errorResponseBuilder: (_request, ctx) =>
      new GatewayError('GW_RATE_LIMITED', `too many enrollment attempts: ${ctx.max} per ${ctx.after}`, {
        retryAfterSeconds: Math.max(1, Math.ceil(ctx.ttl / 1000)),
      }),
  });

  app.post(
    '/enroll',
    {
      config: { rateLimit: { max: opts.enrollRateLimit.max, timeWindow: opts.enrollRateLimit.windowMs } },
      schema: {
        body: {
          type: 'object',
          required: ['code'],
          additionalProperties: false,
          properties: {
            code: { type: 'string', minLength: 1, maxLength: 64 },
            agentId: { type: 'string', pattern: AGENT_ID.source },
          },
        },
      },
    },
    async (request) => {
      const body = request.body as { code: string; agentId?: string };
      const who = { remote: request.ip, agentId: body.agentId };
      const { site, token } = await codes.redeem(body.code, who, opts.issueToken);
      // Never the token: only that a box of the site enrolled.
      request.log.info({ site, agentId: body.agentId, remote: request.ip }, 'agent enrolled');
      return { site, token };
    },
  );

  app.get('/config', { onRequest: app.requireSite }, async (request, reply) => {
    const latest = await configs.get(request.site as string);
    if (!latest) return reply.code(204).send();
    return { site: latest.site, version: latest.version, body: latest.body, createdAt: latest.createdAt.toISOString() };
  });

  app.post('/heartbeat', { onRequest: app.requireSite }, async (request) => {
    const hb = parseHeartbeat(request.body);
    await heartbeats.record(request.site as string, hb);
    return { configVersion: (await configs.latestVersion(request.site as string)) ?? null };
  });

  app.setErrorHandler((err, _request, reply) => {
    if (err instanceof FleetError)
      return reply
        .code(err.httpStatus ?? 400)
        .type('application/json')
        .send({ error: { code: err.code, message: err.message, retriable: err.retriable } });
    throw err;
  });
}
