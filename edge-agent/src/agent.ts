import { join } from 'node:path';
import {
  createLogger,
  createMetricsRegistry,
  DEFAULT_PORTS,
  startOpsServer,
  type Logger,
  type OpsServer,
  type Reading,
} from '@ysh/common';
import { SegmentLog } from './buffer/segment-log.ts';
import type { SiteConfig } from './config/site-config.ts';
import { ClockGuard, systemClock, type ClockSource } from './normalize/clock-guard.ts';
import { Normalizer, type RawSample } from './normalize/normalizer.ts';
import { SeqStore } from './normalize/seq-store.ts';
import { createAgentMetrics, type AgentMetrics } from './ops/agent-metrics.ts';
import { HEALTH_VALUES, type DeviceHealth } from './poller/health.ts';
import { Scheduler } from './scheduler/scheduler.ts';
import type { DiscoveredDevice } from './sunspec/discovery.ts';
import { Drainer, type DrainerOptions } from './uplink/drainer.ts';
import { type SunSpecIdentity, sunspecIdentity } from './fleet/fleet-link.ts';
import { HttpUplink } from './uplink/http-uplink.ts';
import { MqttUplink } from './uplink/mqtt-uplink.ts';
import type { UplinkTransport } from './uplink/transport.ts';

export const AGENT_VERSION = 'ysh-edge/0.1.0';

export interface EdgeAgentOptions {
  /** Buffer and seq state live in `<dataDir>/edge/<site>/`. */
  dataDir: string;
  /** /health + /metrics port (0 = any free port); default DEFAULT_PORTS.edgeOps. `false` = no ops server. */
  port?: number | false;
  /** Listen address of /health and /metrics (default 127.0.0.1). */
  opsHost?: string;
  logger?: Logger;
  /** Wall/monotonic clock (tests inject jumps). */
  clock?: ClockSource;
  /** Called just before readings are written (tests account for a kill between write and onStored). */
  onStoring?: (readings: readonly Reading[]) => void;
  /** Called after readings are durably stored (fsync done). */
  onStored?: (readings: readonly Reading[]) => void;
  /** Seqs reserved per durable write (default 1000). */
  seqBlockSize?: number;
}

export interface DeviceStatus {
  health: DeviceHealth;
  polls: number;
  lastError: string | undefined;
  /** What a polled device said about itself (its SunSpec map), once discovered. */
  discovery: DiscoveredDevice | undefined;
}

/** What a heartbeat reports about the running agent. */
export interface AgentStatus {
  startedAt: number;
  bufferDepth: number;
  /** Measurement time of the oldest reading not yet acknowledged by the gateway (null: none buffered). */
  oldestBufferedAt: string | null;
  devices: Record<string, DeviceHealth>;
  /** SunSpec model 1 of every device discovered so far (strings cut to 64 characters). */
  identities: Record<string, SunSpecIdentity>;
  /** The most recent error (store, uplink, device), cleared by nothing: the fleet view shows the last one. */
  lastError: string | null;
}

export interface EdgeAgent {
  readonly config: SiteConfig;
  status(): AgentStatus;
  readonly ops: OpsServer | undefined;
  readonly metrics: AgentMetrics;
  readonly log: SegmentLog;
  /** The buses in use (key → highest number of requests seen in flight at once). */
  buses(): Record<string, { maxInFlight: number; requests: number }>;
  devices(): Record<string, DeviceStatus>;
  /** Replaces the site config without losing buffered data (SIGHUP). */
  reload(config: SiteConfig): Promise<void>;
  stop(): Promise<void>;
}

function makeTransport(config: SiteConfig): UplinkTransport {
  const g = config.gateway;
  return g.transport === 'mqtt'
    ? new MqttUplink({ url: g.url, site: config.site, token: g.token, timeoutMs: g.timeoutMs })
    : new HttpUplink({ url: g.url, token: g.token, timeoutMs: g.timeoutMs, gzip: g.gzip });
}

function drainerOptions(config: SiteConfig): DrainerOptions {
  return {
    site: config.site,
    batchMaxReadings: config.gateway.batchMaxReadings,
    retryMinMs: config.gateway.retryMinMs,
    retryMaxMs: config.gateway.retryMaxMs,
    lingerMs: config.gateway.lingerMs,
    agent: AGENT_VERSION,
  };
}

/**
 * Starts the whole edge pipeline for one site: pollers → normalizer → durable
 * log → drainer → gateway, plus /health and /metrics.
 */
export async function startEdgeAgent(initial: SiteConfig, options: EdgeAgentOptions): Promise<EdgeAgent> {
  let config = initial;
  const logger = options.logger ?? createLogger('edge-agent');
  const metrics = createAgentMetrics(createMetricsRegistry('edge-agent', { labels: { site: config.site } }));
  const siteDir = join(options.dataDir, 'edge', config.site);
  const log = await SegmentLog.open(join(siteDir, 'buffer'), {
    maxBytes: config.buffer.maxBytes,
    segmentBytes: config.buffer.segmentBytes,
    onDrop: (n) => {
      metrics.readingsDropped.inc(n);
      logger.warn({ dropped: n }, 'buffer full: dropped the oldest unsent readings');
    },
    onRecover: (info) => logger.warn(info, 'buffer recovery cut a torn or corrupt tail'),
  });
  const seqs = await SeqStore.open(join(siteDir, 'seq.json'), { blockSize: options.seqBlockSize ?? 1000 });
  const clock = new ClockGuard(options.clock ?? systemClock, { lastTs: seqs.lastTs });
  const normalizer = new Normalizer(config.site, seqs, clock);
  let storeFailing: string | undefined;
  const startedAt = Date.now();
  let lastError: string | null = null;
  // (log index, measurement time) of the first record of each write: the oldest unacknowledged one
  // is the first entry at or past the acked index. Readings buffered by an earlier run date from
  // before this start at the latest, which is what the entry for them says.
  const writes: Array<{ index: number; ts: string }> = [];
  if (log.backlog > 0) writes.push({ index: log.ackedIndex, ts: new Date(startedAt).toISOString() });
  const oldestBuffered = (): string | null => {
    if (log.backlog === 0) {
      writes.length = 0;
      return null;
    }
    while (writes.length > 1 && (writes[1]?.index ?? 0) <= log.ackedIndex) writes.shift();
    return writes[0]?.ts ?? null;
  };

  const drainer = new Drainer(
    log,
    makeTransport(config),
    drainerOptions(config),
    {
      onSent: (batch, result, ms) => {
        metrics.readingsSent.inc(batch.readings);
        metrics.readingsRejected.inc(result.rejected.length);
        metrics.batches.inc({ result: 'ok' });
        metrics.batchSeconds.observe(ms / 1000);
      },
      onFailure: (err) => {
        metrics.batches.inc({ result: 'retry' });
        lastError = `uplink: ${err.message}`;
      },
    },
    logger,
  );

  // Readings of one device are normalized strictly in poll order.
  const chains = new Map<string, Promise<void>>();
  const ingest = (sample: RawSample): void => {
    const prev = chains.get(sample.device) ?? Promise.resolve();
    const next = prev.then(async () => {
      const reading = await normalizer.normalize(sample);
      if (reading.flags?.includes('clock_jump')) metrics.clockJumps.inc();
      try {
        options.onStoring?.([reading]);
        const index = log.headIndex;
        await log.append([Buffer.from(JSON.stringify(reading))]);
        if (writes.length === 0 || log.backlog === 1) {
          writes.length = 0;
          writes.push({ index, ts: reading.ts });
        } else if (Date.parse(reading.ts) - Date.parse(writes[writes.length - 1]?.ts ?? reading.ts) >= 1000)
          writes.push({ index, ts: reading.ts }); // one entry a second at most: a day of outage is 86,400 entries
        storeFailing = undefined;
        metrics.readingsStored.inc();
        options.onStored?.([reading]);
        drainer.wake();
      } catch (err) {
        storeFailing = (err as Error).message;
        lastError = `buffer: ${storeFailing}`;
        metrics.storeErrors.inc();
        logger.error({ err: storeFailing, device: reading.device, seq: reading.seq }, 'cannot store reading');
      }
    });
    const settled = next.catch((err: unknown) => {
      metrics.storeErrors.inc();
      logger.error({ err: (err as Error).message, device: sample.device }, 'cannot normalize reading');
    });
    chains.set(sample.device, settled);
    void settled.then(() => {
      if (chains.get(sample.device) === settled) chains.delete(sample.device);
    });
  };

  const health = new Map<string, DeviceHealth>();
  const onHealth = (device: string, h: DeviceHealth, _prev: DeviceHealth, error?: string) => {
    health.set(device, h);
    metrics.deviceHealth.set({ device }, HEALTH_VALUES[h]);
    if (h === 'offline') {
      logger.warn({ device, error }, 'device offline');
      lastError = `device ${device}: ${error ?? 'offline'}`;
    } else logger.info({ device, health: h }, 'device health changed');
  };

  let scheduler: Scheduler;
  const startPolling = (cfg: SiteConfig): void => {
    for (const d of cfg.devices) {
      health.set(d.id, 'discovering');
      metrics.deviceHealth.set({ device: d.id }, HEALTH_VALUES.discovering);
    }
    scheduler = new Scheduler(
      cfg,
      {
        onSample: ingest,
        onHealth,
        onPoll: (device) => metrics.polls.inc({ device }),
        onRequest: (_device, outcome) => metrics.blockReads.inc({ outcome }),
        onSkip: () => metrics.pollSkipped.inc(),
      },
      logger,
    );
    scheduler.start();
  };
  const stopPolling = async (): Promise<void> => {
    await scheduler.stop();
    await Promise.all([...chains.values()]);
  };

  startPolling(config);
  drainer.start();

  const refreshGauges = (): void => {
    metrics.backlog.set(log.backlog);
    const oldest = log.backlog > 0 ? drainer.oldestUnsentTs : undefined;
    metrics.oldestUnsent.set(oldest === undefined ? 0 : Math.max(0, (Date.now() - oldest) / 1000));
    metrics.bufferBytes.set(log.diskBytes);
    const counts: Record<DeviceHealth, number> = { discovering: 0, online: 0, degraded: 0, offline: 0 };
    for (const h of health.values()) counts[h]++;
    for (const [k, v] of Object.entries(counts)) metrics.devicesByHealth.set({ health: k }, v);
  };
  const gaugeTimer = setInterval(refreshGauges, 1000);
  gaugeTimer.unref();

  let ops: OpsServer | undefined;
  if (options.port !== false) {
    ops = await startOpsServer({
      port: options.port ?? DEFAULT_PORTS.edgeOps,
      host: options.opsHost,
      registry: metrics.registry,
      checks: {
        buffer: () => ({
          ok: storeFailing === undefined,
          detail: storeFailing ?? `backlog ${log.backlog} readings, ${log.diskBytes} bytes`,
        }),
        uplink: () => ({
          ok: true,
          detail: drainer.connected
            ? `connected, last ack ${new Date(drainer.lastSuccess).toISOString()}`
            : `not connected, ${log.backlog} readings buffered`,
        }),
        devices: () => {
          refreshGauges();
          const values = [...health.values()];
          return { ok: true, detail: `${values.filter((h) => h === 'online').length}/${values.length} online` };
        },
      },
    });
  }
  logger.info(
    { site: config.site, devices: config.devices.length, backlog: log.backlog, ops: ops?.url },
    'edge agent started',
  );

  let stopping: Promise<void> | undefined;
  return {
    get config() {
      return config;
    },
    ops,
    metrics,
    log,
    status() {
      const devices: Record<string, DeviceHealth> = {};
      const identities: Record<string, SunSpecIdentity> = {};
      for (const d of config.devices) {
        devices[d.id] = health.get(d.id) ?? 'discovering';
        const id = scheduler.pollLoop(d.id)?.discovery?.identity;
        if (id) identities[d.id] = sunspecIdentity(id);
      }
      return {
        startedAt,
        bufferDepth: log.backlog,
        oldestBufferedAt: oldestBuffered(),
        devices,
        identities,
        lastError,
      };
    },
    buses() {
      const out: Record<string, { maxInFlight: number; requests: number }> = {};
      for (const [key, bus] of scheduler.buses)
        out[key] = { maxInFlight: bus.maxObserved, requests: bus.connection.requests };
      return out;
    },
    devices() {
      const out: Record<string, DeviceStatus> = {};
      for (const d of config.devices) {
        const p = scheduler.pollLoop(d.id);
        out[d.id] = {
          health: health.get(d.id) ?? 'discovering',
          polls: p?.polls ?? 0,
          lastError: p?.lastError,
          discovery: p?.discovery,
        };
      }
      return out;
    },
    async reload(next: SiteConfig) {
      if (next.site !== config.site) {
        logger.error(
          { from: config.site, to: next.site },
          'reload refused: the site id cannot change (its buffer is per site)',
        );
        return;
      }
      await stopPolling();
      const kept = new Set(next.devices.map((d) => d.id));
      for (const id of [...health.keys()]) {
        if (kept.has(id)) continue;
        health.delete(id);
        metrics.deviceHealth.remove({ device: id });
      }
      config = next;
      log.setBudget(next.buffer.maxBytes, next.buffer.segmentBytes);
      drainer.reconfigure(makeTransport(next), drainerOptions(next));
      startPolling(next);
      logger.info({ devices: next.devices.length, backlog: log.backlog }, 'site config reloaded');
    },
    stop() {
      stopping ??= (async () => {
        clearInterval(gaugeTimer);
        await stopPolling();
        await drainer.stop();
        await seqs.close();
        await log.close();
        await ops?.close();
        logger.info('edge agent stopped');
      })();
      return stopping;
    },
  };
}
