import { join, resolve } from 'node:path';
import { ConfigError, DEFAULT_PORTS, env, loadCommonConfig, readEnv, type CommonConfig } from '@ysh/common';
import { loadRagConfig, type RagConfig } from './rag/config.ts';
import { DEFAULT_TAXES, mergeTaxTable, type TaxTable } from './tarifas/taxes.ts';
import { loadPropostasConfig, type PropostasConfig } from './propostas/config.ts';

/** Default port of `ysh jobs worker`'s /health and /metrics. */
export const DEFAULT_JOBS_PORT = DEFAULT_PORTS.jobsOps;

/** Every option of the batch-jobs engine, durations in milliseconds (see README for the variables). */
export interface JobsConfig {
  common: Readonly<CommonConfig>;
  /** PostgreSQL URL: YSH_DATABASE_URL, else the embedded server `ysh start` / `ysh postgres` serves. */
  databaseUrl: string;
  opsPort: number;
  workerId: string | undefined;
  /** Concurrent fetch loops of step jobs in one worker. */
  concurrency: number;
  /** Step jobs fetched per loop pass. */
  batchSize: number;
  pollIntervalMs: number;
  maintenanceIntervalMs: number;
  tickIntervalMs: number;
  sensorIntervalMs: number;
  freshnessIntervalMs: number;
  catchupMs: number;
  defaultTimeoutMs: number;
  maxRetries: number;
  retryBaseDelayMs: number;
  crashRetries: number;
  historyDays: number;
  pruneBatch: number;
  pruneIntervalMs: number;
  inboxDir: string;
  /** Outbox channels alert events are queued for (delivered by whichever process owns each channel). */
  alertChannels: string[];
  queueSchema: string;
  /** Run the schedules, sensors and freshness checks in this worker (off: execute steps only). */
  schedules: boolean;
  /** Extra modules (paths) whose exported `assets` and `sensors` join the graph. */
  modules: string[];
  /** ICMS/PIS/COFINS of the tariff lookup: the documented defaults with YSH_TARIFA_TAXES on top. */
  tariffTaxes: TaxTable;
  /** RAG indexing: embedder, vector store, chunk sizes, budget, docs inbox (rag/config.ts). */
  rag: Readonly<RagConfig>;
  /** Proposals: irradiance sources and the geocoder of the quote inbox (propostas/config.ts). */
  propostas: Readonly<PropostasConfig>;
}

export const jobsEnv = {
  YSH_JOBS_PORT: env.port({ default: DEFAULT_JOBS_PORT }),
  YSH_JOBS_WORKER_ID: env.optional(env.string({ expects: 'a worker name' })),
  YSH_JOBS_CONCURRENCY: env.int({ default: 2, min: 1, max: 64 }),
  YSH_JOBS_BATCH_SIZE: env.int({ default: 1, min: 1, max: 100 }),
  YSH_JOBS_POLL_INTERVAL: env.duration({ default: '1s' }),
  YSH_JOBS_MAINTENANCE_INTERVAL: env.duration({ default: '30s' }),
  YSH_JOBS_TICK_INTERVAL: env.duration({ default: '1s' }),
  YSH_JOBS_SENSOR_INTERVAL: env.duration({ default: '5s' }),
  YSH_JOBS_FRESHNESS_INTERVAL: env.duration({ default: '30s' }),
  YSH_JOBS_CATCHUP: env.duration({ default: '24h' }),
  YSH_JOBS_STEP_TIMEOUT: env.duration({ default: '30m' }),
  YSH_JOBS_MAX_RETRIES: env.int({ default: 2, min: 0, max: 100 }),
  YSH_JOBS_RETRY_DELAY: env.duration({ default: '5s' }),
  YSH_JOBS_CRASH_RETRIES: env.int({ default: 2, min: 0, max: 100 }),
  YSH_JOBS_HISTORY_DAYS: env.int({ default: 400, min: 1, max: 36_500 }),
  YSH_JOBS_PRUNE_BATCH: env.int({ default: 5000, min: 1, max: 1_000_000 }),
  YSH_JOBS_PRUNE_INTERVAL: env.duration({ default: '1h' }),
  YSH_JOBS_INBOX: env.optional(env.string({ expects: 'a directory path' })),
  YSH_JOBS_ALERT_CHANNELS: env.optional(
    env.string({ expects: 'a comma-separated list of channels (slack, console, …)' }),
  ),
  YSH_JOBS_QUEUE_SCHEMA: env.string({ default: 'pgboss', expects: 'a PostgreSQL schema name' }),
  YSH_JOBS_SCHEDULES: env.bool({ default: true }),
  YSH_JOBS_MODULES: env.optional(
    env.string({ expects: 'a comma-separated list of module paths exporting assets/sensors' }),
  ),
  YSH_TARIFA_TAXES: env.optional(env.string({ expects: 'a JSON tax table (README "Tarifas: taxes")' })),
};

function taxTable(raw: string | undefined): TaxTable {
  if (raw === undefined) return DEFAULT_TAXES;
  try {
    return mergeTaxTable(JSON.parse(raw));
  } catch (err) {
    throw new ConfigError('YSH_TARIFA_TAXES', `expected a JSON tax table: ${(err as Error).message}`);
  }
}

/** Reads the batch-jobs environment once; a wrong value throws a ConfigError naming the variable. */
export function loadJobsConfig(source: NodeJS.ProcessEnv, cwd = process.cwd()): Readonly<JobsConfig> {
  const common = loadCommonConfig(source, cwd);
  const e = readEnv(jobsEnv, source);
  const channels = e.YSH_JOBS_ALERT_CHANNELS
    ? e.YSH_JOBS_ALERT_CHANNELS.split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : source.SLACK_BOT_TOKEN
      ? ['slack', 'console']
      : ['console'];
  return Object.freeze({
    common,
    databaseUrl:
      common.databaseUrl ??
      `postgres://postgres@127.0.0.1:${common.embedded.postgresPort ?? DEFAULT_PORTS.postgres}/postgres?sslmode=disable`,
    opsPort: e.YSH_JOBS_PORT,
    workerId: e.YSH_JOBS_WORKER_ID,
    concurrency: e.YSH_JOBS_CONCURRENCY,
    batchSize: e.YSH_JOBS_BATCH_SIZE,
    pollIntervalMs: Math.max(500, e.YSH_JOBS_POLL_INTERVAL),
    maintenanceIntervalMs: Math.max(1000, e.YSH_JOBS_MAINTENANCE_INTERVAL),
    tickIntervalMs: Math.max(100, e.YSH_JOBS_TICK_INTERVAL),
    sensorIntervalMs: Math.max(100, e.YSH_JOBS_SENSOR_INTERVAL),
    freshnessIntervalMs: Math.max(100, e.YSH_JOBS_FRESHNESS_INTERVAL),
    catchupMs: e.YSH_JOBS_CATCHUP,
    defaultTimeoutMs: Math.max(1000, e.YSH_JOBS_STEP_TIMEOUT),
    maxRetries: e.YSH_JOBS_MAX_RETRIES,
    retryBaseDelayMs: e.YSH_JOBS_RETRY_DELAY,
    crashRetries: e.YSH_JOBS_CRASH_RETRIES,
    historyDays: e.YSH_JOBS_HISTORY_DAYS,
    pruneBatch: e.YSH_JOBS_PRUNE_BATCH,
    pruneIntervalMs: e.YSH_JOBS_PRUNE_INTERVAL,
    inboxDir: e.YSH_JOBS_INBOX ?? join(common.dataDir, 'inbox'),
    alertChannels: channels,
    queueSchema: e.YSH_JOBS_QUEUE_SCHEMA,
    schedules: e.YSH_JOBS_SCHEDULES,
    modules: (e.YSH_JOBS_MODULES ?? '')
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean)
      .map((m) => resolve(cwd, m)),
    tariffTaxes: taxTable(e.YSH_TARIFA_TAXES),
    rag: loadRagConfig(source, common.dataDir),
    propostas: loadPropostasConfig(source),
  });
}
