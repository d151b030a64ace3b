import { hostname } from 'node:os';
import type PgBoss from 'pg-boss';
import { Counter, Gauge, Histogram, type Logger, type Registry } from '@ysh/common';
import { OutboxDispatcher, type AlertChannel } from '@ysh/common/alerts';
import { inTransaction, type Pool } from '@ysh/common/db';
import type { JobsConfig } from '../config.ts';
import type { AssetGraph } from '../graph/asset-graph.ts';
import { evaluateFreshness } from '../schedule/freshness.ts';
import { Scheduler } from '../schedule/scheduler.ts';
import { evaluateFileSensor, type SensorDef } from '../sensors/file-sensor.ts';
import { pruneHistory } from '../history/retention.ts';
import { DEAD_QUEUE, STEP_QUEUE, startQueue, type StepJobData } from './queue.ts';
import type { StepJobPolicy } from './run-store.ts';
import type { ExecutorDeps } from './executor-deps.ts';
import { StepExecutor } from './step-executor.ts';
import { finishStep } from './step-finish.ts';

export type WorkerSettings = Pick<
  JobsConfig,
  | 'concurrency'
  | 'batchSize'
  | 'pollIntervalMs'
  | 'maintenanceIntervalMs'
  | 'tickIntervalMs'
  | 'sensorIntervalMs'
  | 'freshnessIntervalMs'
  | 'catchupMs'
  | 'defaultTimeoutMs'
  | 'maxRetries'
  | 'retryBaseDelayMs'
  | 'crashRetries'
  | 'historyDays'
  | 'pruneBatch'
  | 'pruneIntervalMs'
  | 'alertChannels'
  | 'queueSchema'
  | 'schedules'
>;

/** How long running steps may go on after the worker is asked to stop, before they are canceled. */
const STOP_GRACE_MS = 1500;

export interface WorkerOptions {
  pool: Pool;
  graph: AssetGraph;
  sensors?: readonly SensorDef[];
  settings: WorkerSettings;
  logger: Logger;
  registry?: Registry;
  workerId?: string;
  now?: () => number;
}

export interface JobsWorker {
  id: string;
  boss: PgBoss;
  policy: StepJobPolicy;
  health(): Promise<{ ok: boolean; detail?: string }>;
  stop(): Promise<void>;
}

export function stepPolicy(s: WorkerSettings): StepJobPolicy {
  return {
    crashRetries: s.crashRetries,
    defaultTimeoutMs: s.defaultTimeoutMs,
    defaultRetry: { maxRetries: s.maxRetries, baseDelaySeconds: s.retryBaseDelayMs / 1000 },
  };
}

/** Alert events for the "console" channel become warn lines in the worker's log. */
function logChannel(logger: Logger): AlertChannel {
  return {
    name: 'console',
    deliver: async (a) => {
      logger.warn({ alert: a.id, event: a.event, rule: a.rule, asset: a.device }, `alert ${a.event}: ${a.message}`);
    },
  };
}

/**
 * One `ysh jobs worker`: fetch loops executing step jobs, the dead-letter
 * loop, and (unless disabled) schedules, sensors, freshness, history pruning
 * and the outbox for its console channel. Any number of these may share one
 * PostgreSQL; nothing about a run lives only in one of them.
 */
export async function startWorker(o: WorkerOptions): Promise<JobsWorker> {
  const s = o.settings;
  const id = o.workerId ?? `${hostname()}:${process.pid}:${Math.random().toString(16).slice(2, 6)}`;
  const logger = o.logger.child({ worker: id });
  const boss = await startQueue(
    o.pool,
    {
      schema: s.queueSchema,
      pollingIntervalSeconds: s.pollIntervalMs / 1000,
      maintenanceIntervalSeconds: Math.max(1, Math.round(s.maintenanceIntervalMs / 1000)),
      retentionDays: Math.min(s.historyDays, 30),
    },
    (err) => logger.warn({ err: err.message }, 'job queue error'),
  );
  const policy = stepPolicy(s);
  const shutdown = new AbortController();
  const fetchers: string[] = [];
  const metrics = o.registry ? registerMetrics(o.registry, o.pool, boss, o.graph) : undefined;
  /** New steps queued by this process: fetch now rather than at the next poll. */
  const wake = () => {
    for (const f of fetchers) boss.notifyWorker(f);
  };
  /** What the step executor and the lost-step path share. */
  const deps: ExecutorDeps = {
    pool: o.pool,
    boss,
    graph: o.graph,
    policy,
    logger,
    workerId: id,
    alertChannels: s.alertChannels,
    shutdown: shutdown.signal,
  };
  const executor = new StepExecutor({
    ...deps,
    onQueued: wake,
    onStepDone: (_asset, status, seconds) => metrics?.stepDone(status, seconds),
  });

  const workOptions = { batchSize: s.batchSize, pollingIntervalSeconds: s.pollIntervalMs / 1000 };
  for (let i = 0; i < s.concurrency; i++) {
    fetchers.push(
      await boss.work<StepJobData>(STEP_QUEUE, workOptions, async (jobs) => {
        await Promise.all(
          jobs.map(async (job) => {
            const r = await executor.execute(job);
            // pg-boss retries it after its backoff with jitter; completing the batch leaves it alone.
            if (r === 'retry') await boss.fail(STEP_QUEUE, job.id, { reason: 'retriable error' });
          }),
        );
        // A loop that found work fetches again at once (pg-boss would otherwise wait out the poll
        // interval after every job); only an empty fetch makes it wait.
        const self = fetchers[i];
        if (self) setImmediate(() => boss.notifyWorker(self));
      }),
    );
  }
  await boss.work<StepJobData>(
    DEAD_QUEUE,
    { pollingIntervalSeconds: Math.max(1, s.pollIntervalMs / 1000) },
    async (jobs) => {
      for (const job of jobs) await markLost(job.data);
    },
  );

  /** A step whose job exhausted its retries through lost attempts: failed, downstream blocked. */
  async function markLost(step: StepJobData): Promise<void> {
    const attempt = await inTransaction(o.pool, async (c) => {
      const { rows } = await c.query<{ attempts: number }>(
        `UPDATE job_steps SET status = 'running' WHERE run_id = $1 AND asset_key = $2 AND partition_key = $3
           AND status IN ('queued', 'running') RETURNING attempts`,
        [step.runId, step.asset, step.partition],
      );
      return rows[0]?.attempts;
    });
    if (attempt === undefined) return;
    await finishStep(
      deps,
      step,
      attempt,
      {
        status: 'failed',
        error: {
          code: 'JOBS_WORKER_LOST',
          message: `no attempt finished after ${attempt} tries (workers lost or timed out)`,
          retriable: false,
        },
      },
      [],
    );
  }

  const timers: NodeJS.Timeout[] = [];
  const loop = (name: string, everyMs: number, fn: () => Promise<unknown>) => {
    let busy = false;
    const run = () => {
      if (busy || shutdown.signal.aborted) return;
      busy = true;
      fn()
        .catch((err: unknown) =>
          logger.warn({ err: err instanceof Error ? err.message : String(err), loop: name }, 'loop pass failed'),
        )
        .finally(() => {
          busy = false;
        });
    };
    timers.push(setInterval(run, everyMs));
    setImmediate(run);
  };
  const outbox = new OutboxDispatcher(o.pool, [logChannel(logger)], logger, { intervalMs: 1000 });
  if (s.schedules) {
    const scheduler = new Scheduler({
      pool: o.pool,
      boss,
      graph: o.graph,
      policy,
      logger,
      catchupMs: s.catchupMs,
      now: o.now,
      onRun: wake,
    });
    loop('schedules', s.tickIntervalMs, () => scheduler.tick());
    for (const sensor of o.sensors ?? [])
      loop(`sensor ${sensor.name}`, s.sensorIntervalMs, async () => {
        if (await evaluateFileSensor({ pool: o.pool, boss, graph: o.graph, policy, logger }, sensor)) wake();
      });
    loop('freshness', s.freshnessIntervalMs, () =>
      evaluateFreshness({ pool: o.pool, graph: o.graph, logger, alertChannels: s.alertChannels, now: o.now }),
    );
    loop('prune', s.pruneIntervalMs, () =>
      pruneHistory(o.pool, { olderThanDays: s.historyDays, batchSize: s.pruneBatch }),
    );
    if (s.alertChannels.includes('console')) outbox.start();
  }
  logger.info({ concurrency: s.concurrency, assets: o.graph.size, schedules: s.schedules }, 'jobs worker started');

  return {
    id,
    boss,
    policy,
    async health() {
      try {
        await o.pool.query('SELECT 1');
        return { ok: !shutdown.signal.aborted };
      } catch (err) {
        return { ok: false, detail: (err as Error).message };
      }
    },
    async stop() {
      for (const t of timers) clearInterval(t);
      for (const f of fetchers) await boss.offWork({ id: f });
      await boss.offWork(DEAD_QUEUE);
      // Running steps get a short grace to finish (pg-boss waits for them), then are asked to
      // stop: a canceled step is retried like a lost attempt, and a Ctrl-C of the whole
      // platform must not wait for a long materialization.
      const abort = setTimeout(() => shutdown.abort(), STOP_GRACE_MS);
      await boss.stop({ graceful: true, wait: true, close: false, timeout: 8000 });
      clearTimeout(abort);
      shutdown.abort();
      await outbox.stop(false);
      logger.info('jobs worker stopped');
    },
  };
}

function registerMetrics(registry: Registry, pool: Pool, boss: PgBoss, graph: AssetGraph) {
  const steps = new Counter({
    name: 'ysh_jobs_steps_total',
    help: 'Steps finished by this worker, by outcome',
    labelNames: ['status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'ysh_jobs_step_duration_seconds',
    help: 'Step duration in this worker, by outcome',
    labelNames: ['status'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600],
    registers: [registry],
  });
  new Gauge({
    name: 'ysh_jobs_runs',
    help: 'Runs in the database by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const { rows } = await pool.query<{ status: string; n: number }>(
        'SELECT status, count(*)::int AS n FROM job_runs GROUP BY status',
      );
      this.reset();
      for (const r of rows) this.set({ status: r.status }, r.n);
    },
  });
  new Gauge({
    name: 'ysh_jobs_queue_depth',
    help: 'Step jobs waiting in the queue (created or waiting for a retry)',
    registers: [registry],
    async collect() {
      this.set(await boss.getQueueSize(STEP_QUEUE));
    },
  });
  new Gauge({
    name: 'ysh_jobs_freshness_lag_seconds',
    help: 'Seconds since the latest good materialization, per asset with a freshness deadline',
    labelNames: ['asset'],
    registers: [registry],
    async collect() {
      const keys = graph
        .assets()
        .filter((a) => a.freshness)
        .map((a) => a.key);
      if (keys.length === 0) return;
      const { rows } = await pool.query<{ asset_key: string; lag: number }>(
        `SELECT asset_key, extract(epoch FROM now() - max(verified_at))::float8 AS lag FROM asset_latest
         WHERE asset_key = ANY($1::text[]) GROUP BY asset_key`,
        [keys],
      );
      this.reset();
      for (const r of rows) this.set({ asset: r.asset_key }, r.lag);
    },
  });
  return {
    stepDone(status: string, seconds: number) {
      steps.inc({ status });
      duration.observe({ status }, seconds);
    },
  };
}
