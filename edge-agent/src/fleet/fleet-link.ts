import type { DeviceIdentity } from '@ysh/common/sunspec';
import type { Logger } from '@ysh/common';
import type { DeviceIdentity as ReportedIdentity, Heartbeat } from '@ysh/common/fleet';
import { EdgeError } from '../errors.ts';

/** What a device said about itself (SunSpec model 1) as the heartbeat carries it: @ysh/common/fleet's schema. */
export type SunSpecIdentity = ReportedIdentity;

/** A discovered identity as the heartbeat carries it (empty strings as null, at most 64 characters). */
export function sunspecIdentity(id: DeviceIdentity): SunSpecIdentity {
  const text = (v: string | undefined) => (v?.trim() ? v.trim().slice(0, 64) : null);
  return {
    manufacturer: text(id.manufacturer),
    model: text(id.model),
    serial: text(id.serial),
    version: text(id.version),
    options: text(id.options),
  };
}

/** The heartbeat body (POST /v1/edge/heartbeat): @ysh/common/fleet's HeartbeatSchema, identities always sent. */
export type HeartbeatBody = Heartbeat & { identities: Record<string, SunSpecIdentity> };

export interface FleetLinkOptions {
  /** Gateway base URL (http/https). */
  gateway: string;
  token: string;
  intervalMs: number;
  timeoutMs?: number;
  /** The agent's state now (sentAt is added when sent). */
  status: () => Omit<HeartbeatBody, 'sentAt'>;
  /** The platform's latest configuration version for the site, from each heartbeat answer. */
  onConfigVersion?: (latest: number | null) => Promise<void>;
  logger: Logger;
}

/**
 * The agent's channel to the platform besides telemetry: a heartbeat every interval (the first at
 * once) over the site token, whose answer names the latest configuration version. Failures are
 * logged once per streak and never stop the agent (telemetry is buffered whatever happens here).
 */
export class FleetLink {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private failing = false;
  private stopped = false;
  private again = false;
  beats = 0;

  constructor(private readonly opts: FleetLinkOptions) {}

  start(): void {
    this.schedule(0);
  }

  /** Beat now (after a configuration change, so the fleet view shows it at once). */
  beatSoon(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.beat().finally(() => {
        this.running = undefined;
        const soon = this.again;
        this.again = false;
        if (!this.stopped) this.schedule(soon ? 0 : this.opts.intervalMs);
      });
    }, ms);
    this.timer.unref();
  }

  async beat(): Promise<void> {
    const body: HeartbeatBody = { ...this.opts.status(), sentAt: new Date().toISOString() };
    try {
      const res = await fetch(`${this.opts.gateway}/v1/edge/heartbeat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.opts.token}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 15_000),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${text.slice(0, 300)}`);
      this.beats++;
      if (this.failing) this.opts.logger.info('heartbeat delivered again');
      this.failing = false;
      const latest = (JSON.parse(text) as { configVersion?: unknown }).configVersion;
      if (this.opts.onConfigVersion && (latest === null || typeof latest === 'number'))
        await this.opts.onConfigVersion(latest);
    } catch (err) {
      if (!this.failing) this.opts.logger.warn({ err: (err as Error).message }, 'heartbeat failed, will retry');
      this.failing = true;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}

/** The site's latest configuration from the platform, or undefined when it has none yet. */
export async function fetchRemoteConfig(
  gateway: string,
  token: string,
  timeoutMs = 15_000,
): Promise<{ version: number; body: string } | undefined> {
  let res: Response;
  try {
    res = await fetch(`${gateway}/v1/edge/config`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new EdgeError('EDGE_REMOTE_CONFIG', `cannot fetch the remote configuration: ${(err as Error).message}`);
  }
  if (res.status === 204) return undefined;
  const text = await res.text();
  if (!res.ok)
    throw new EdgeError('EDGE_REMOTE_CONFIG', `remote configuration: HTTP ${res.status}: ${text.slice(0, 300)}`);
  const body = JSON.parse(text) as { version?: unknown; body?: unknown };
  if (typeof body.version !== 'number' || typeof body.body !== 'string')
    throw new EdgeError('EDGE_REMOTE_CONFIG', 'remote configuration: the answer lacks version or body');
  return { version: body.version, body: body.body };
}
