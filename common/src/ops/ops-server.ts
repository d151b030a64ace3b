import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HealthReport {
  ok: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

export type HealthCheck = () => Promise<{ ok: boolean; detail?: string }> | { ok: boolean; detail?: string };

export interface OpsServerOptions {
  port: number;
  host?: string;
  registry: Registry;
  checks?: Record<string, HealthCheck>;
}

export interface OpsServer {
  server: Server;
  port: number;
  url: string;
  health(): Promise<HealthReport>;
  close(): Promise<void>;
}

async function runChecks(checks: Record<string, HealthCheck>): Promise<HealthReport> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        return [name, await check()] as const;
      } catch (err) {
        return [name, { ok: false, detail: err instanceof Error ? err.message : String(err) }] as const;
      }
    }),
  );
  const result: HealthReport['checks'] = Object.fromEntries(entries);
  return { ok: entries.every(([, c]) => c.ok), checks: result };
}

/**
 * `/health` and `/metrics` for components that have no HTTP API of their own
 * (edge agent, processor, broker). Components with Fastify mount the same two routes there.
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const checks = options.checks ?? {};
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    if (path === '/metrics') {
      options.registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': options.registry.contentType }).end(body),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
      return;
    }
    if (path === '/health') {
      runChecks(checks).then((report) =>
        res.writeHead(report.ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(report)),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    health: () => runChecks(checks),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
