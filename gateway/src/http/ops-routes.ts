import type { HealthCheck, HealthReport, Registry } from '@ysh/common';
import type { FastifyInstance } from 'fastify';

export interface OpsRoutesOptions {
  registry: Registry;
  checks: Record<string, HealthCheck>;
}

export async function runChecks(checks: Record<string, HealthCheck>): Promise<HealthReport> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        return [name, await check()] as const;
      } catch (err) {
        return [name, { ok: false, detail: err instanceof Error ? err.message : String(err) }] as const;
      }
    }),
  );
  return { ok: entries.every(([, c]) => c.ok), checks: Object.fromEntries(entries) };
}

/** GET /health (Kafka, database, key-value store) and GET /metrics (Prometheus). */
export async function opsRoutes(app: FastifyInstance, opts: OpsRoutesOptions): Promise<void> {
  app.get('/health', async (_request, reply) => {
    const report = await runChecks(opts.checks);
    return reply.code(report.ok ? 200 : 503).send(report);
  });
  app.get('/metrics', async (_request, reply) => {
    const body = await opts.registry.metrics();
    return reply.type(opts.registry.contentType).send(body);
  });
}
