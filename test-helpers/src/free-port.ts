import { createServer, type Server } from 'node:net';

/** A TCP port free on 127.0.0.1 right now (for child processes that must be told their port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function listen(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(undefined));
    srv.listen(port, '127.0.0.1', () => resolve(srv));
  });
}

/**
 * The first of `count` consecutive TCP ports all free on 127.0.0.1 right now
 * (for a process that lays its listeners out from one base port, e.g. `ysh start --port-base`).
 */
export async function freePortRange(count: number, attempts = 50): Promise<number> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * (40_000 - count));
    const held: Server[] = [];
    for (let port = base; port < base + count; port++) {
      const srv = await listen(port);
      if (!srv) break;
      held.push(srv);
    }
    await Promise.all(held.map((srv) => new Promise((r) => srv.close(r))));
    if (held.length === count) return base;
  }
  throw new Error(`no ${count} consecutive free ports found in ${attempts} attempts`);
}
