import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { ApiContext } from '../context.ts';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Keeps a summary small: long strings cut, secrets never stored. */
export function summarize(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (typeof value === 'string') return value.length > 200 ? `${value.slice(0, 200)}…` : value;
  if (typeof value !== 'object') return value;
  if (depth > 3) return '…';
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => summarize(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>).slice(0, 50))
    out[k] = /password|token|key|secret/i.test(k) && typeof v === 'string' ? '***' : summarize(v, depth + 1);
  return out;
}

function auditRow(request: FastifyRequest, status: number) {
  const p = request.principal;
  const route = request.routeOptions.url ?? request.url.split('?')[0] ?? '';
  const note = request.audit;
  const target = note?.target ?? Object.values((request.params ?? {}) as Record<string, string>).join('/') ?? null;
  return [
    p?.email ?? 'anonymous',
    p ? p.via : 'anonymous',
    request.method,
    route,
    request.routeOptions.config.action ?? `${request.method} ${route}`,
    target || null,
    status,
    request.id,
    note?.before === undefined ? null : JSON.stringify(summarize(note.before)),
    note?.after === undefined ? null : JSON.stringify(summarize(note.after)),
  ];
}

/**
 * Every mutating request under /v1 — allowed, refused or failed — writes one audit row
 * (who, what, target, status, request id, before/after summary) before its answer is sent.
 */
export const auditPlugin = fp(
  async (app: FastifyInstance, opts: { ctx: ApiContext }) => {
    app.addHook('onSend', async (request, reply, payload) => {
      if (!MUTATING.has(request.method) || !request.url.startsWith('/v1/')) return payload;
      try {
        await opts.ctx.pool.query(
          `INSERT INTO audit_log (actor, actor_kind, method, route, action, target, status, request_id, before, after)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb)`,
          auditRow(request, reply.statusCode),
        );
      } catch (err) {
        request.log.error({ err }, 'audit row not written');
      }
      return payload;
    });
  },
  { name: 'ysh-audit' },
);
