import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

export const SITE = 'site-sp-001';
export const TOKEN = 'edge-test-token';
/** Local noon in São Paulo (UTC-3) in January: inverters produce, values are non-zero. */
export const NOON = Date.UTC(2026, 0, 15, 15, 0, 0);

export interface SimDevice {
  id: string;
  host?: string;
  port?: number;
  unitId?: number;
}

export interface SiteYamlOptions {
  gatewayUrl: string;
  devices: SimDevice[];
  interval?: string;
  timeout?: string;
  retries?: number;
  buffer?: Record<string, unknown>;
  polling?: Record<string, unknown>;
  buses?: Record<string, unknown>;
  gateway?: Record<string, unknown>;
  extraDevices?: Record<string, unknown>[];
}

/** A site config YAML for simulator devices (the agent parses it like any operator's file). */
export function siteYaml(o: SiteYamlOptions): string {
  return stringify({
    site: SITE,
    gateway: { url: o.gatewayUrl, token: TOKEN, retryMin: '20ms', retryMax: '200ms', timeout: '5s', ...o.gateway },
    defaults: { interval: o.interval ?? '100ms', timeout: o.timeout ?? '500ms', retries: o.retries ?? 1 },
    ...(o.buffer ? { buffer: o.buffer } : {}),
    ...(o.polling ? { polling: o.polling } : {}),
    ...(o.buses ? { buses: o.buses } : {}),
    devices: [
      ...o.devices.map((d) => ({
        id: d.id,
        transport: 'tcp',
        host: d.host ?? '127.0.0.1',
        port: d.port,
        unitId: d.unitId,
      })),
      ...(o.extraDevices ?? []),
    ],
  });
}

export async function tempDir(prefix = 'ysh-edge-'): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
