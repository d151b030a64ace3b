import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

export const VICTORIA_METRICS_BIN = '/usr/bin/victoria-metrics';

export interface VictoriaMetrics {
  /** Base URL; InfluxDB clients write to `${url}/api/v2/write`. */
  url: string;
  /** Makes recent writes visible to queries. */
  flush(): Promise<void>;
  /** Raw samples of every series whose name matches the regex, via /api/v1/export. */
  exportSeries(nameRegex: string): Promise<ExportedSeries[]>;
  stop(): Promise<void>;
}

export interface ExportedSeries {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

async function waitHealthy(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`victoria-metrics exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`victoria-metrics not healthy within ${timeoutMs} ms`);
}

/** Listen on 127.0.0.1:port, store in dataDir, keep old timestamps (tests write past days). */
export function victoriaMetricsArgs(port: number, dataDir: string, extraArgs: string[] = []): string[] {
  return [`-httpListenAddr=127.0.0.1:${port}`, `-storageDataPath=${dataDir}`, '-retentionPeriod=100y', ...extraArgs];
}

/**
 * Debian's VictoriaMetrics on an ephemeral port with a temp data directory:
 * a real server for the InfluxDB line-protocol write path (`/api/v2/write`).
 */
export async function startVictoriaMetrics(extraArgs: string[] = []): Promise<VictoriaMetrics> {
  const dir = await mkdtemp(join(tmpdir(), 'ysh-vm-'));
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(VICTORIA_METRICS_BIN, victoriaMetricsArgs(port, dir, extraArgs), { stdio: 'ignore' });
    try {
      await waitHealthy(url, child, 15_000);
    } catch (err) {
      lastError = err;
      child.kill('SIGKILL');
      continue;
    }
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    return {
      url,
      async flush() {
        await fetch(`${url}/internal/force_flush`);
      },
      async exportSeries(nameRegex) {
        const q = new URLSearchParams({ 'match[]': `{__name__=~"${nameRegex}"}` });
        const res = await fetch(`${url}/api/v1/export?${q}`);
        const text = await res.text();
        return text
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as ExportedSeries);
      },
      async stop() {
        child.kill('SIGTERM');
        await exited;
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  await rm(dir, { recursive: true, force: true });
  throw lastError;
}
