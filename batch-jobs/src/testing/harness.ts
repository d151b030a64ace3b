import { createLogger, type Logger } from '@ysh/common';
import { createPool, type Pool } from '@ysh/common/db';
import type { AnyAsset } from '../graph/asset.ts';
import { AssetGraph } from '../graph/asset-graph.ts';
import { planRun, type RunTrigger, type Selection } from '../engine/plan.ts';
import { createRun, getRun, getSteps, type RunRow, type StepRow } from '../engine/run-store.ts';
import { startWorker, type JobsWorker, type WorkerSettings } from '../engine/worker.ts';
import type { SensorDef } from '../sensors/file-sensor.ts';

/** Fast settings for tests: short polls and maintenance so lost jobs come back within seconds. */
export const TEST_SETTINGS: WorkerSettings = {
  concurrency: 2,
  batchSize: 1,
  pollIntervalMs: 500,
  maintenanceIntervalMs: 1000,
  tickIntervalMs: 200,
  sensorIntervalMs: 300,
  freshnessIntervalMs: 300,
  catchupMs: 24 * 3_600_000,
  defaultTimeoutMs: 60_000,
  maxRetries: 2,
  retryBaseDelayMs: 1000,
  crashRetries: 2,
  historyDays: 400,
  pruneBatch: 1000,
  pruneIntervalMs: 3_600_000,
  alertChannels: ['console'],
  queueSchema: 'pgboss',
  schedules: false,
};

export const quietLogger = (): Logger =>
  createLogger('jobs-test', { level: process.env.YSH_TEST_LOG === '1' ? 'debug' : 'silent' });

/** One engine over one database URL: a pool and any number of in-process workers. */
export class TestEngine {
  readonly pool: Pool;
  readonly graph: AssetGraph;
  readonly workers: JobsWorker[] = [];
  private pools: Pool[] = [];

  constructor(
    readonly url: string,
    assets: readonly AnyAsset[],
    private readonly sensors: readonly SensorDef[] = [],
  ) {
    this.graph = new AssetGraph(assets);
    this.pool = createPool(url, { max: 4 });
  }

  async startWorker(
    settings: Partial<WorkerSettings> = {},
    extra: { now?: () => number; workerId?: string } = {},
  ): Promise<JobsWorker> {
    const pool = createPool(this.url, { max: 4 });
    this.pools.push(pool);
    const w = await startWorker({
      pool,
      graph: this.graph,
      sensors: this.sensors,
      settings: { ...TEST_SETTINGS, ...settings },
      logger: quietLogger(),
      ...extra,
    });
    this.workers.push(w);
    return w;
  }

  async run(sel: Selection, trigger: RunTrigger = 'manual'): Promise<string> {
    const w = this.workers[0];
    if (!w) throw new Error('start a worker first');
    return createRun(this.pool, w.boss, this.graph, w.policy, {
      trigger,
      requestedBy: 'test',
      plan: planRun(this.graph, sel),
    });
  }

  /** Waits until the run is finished; returns it with its steps. */
  async wait(runId: string, timeoutMs = 60_000): Promise<{ run: RunRow; steps: StepRow[] }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const run = await getRun(this.pool, runId);
      if (run.finished_at) return { run, steps: await getSteps(this.pool, runId) };
      if (Date.now() > deadline)
        throw new Error(
          `run ${runId} not finished in ${timeoutMs} ms: ${JSON.stringify(await getSteps(this.pool, runId))}`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async runAndWait(sel: Selection, trigger: RunTrigger = 'manual') {
    return this.wait(await this.run(sel, trigger));
  }

  async close(): Promise<void> {
    for (const w of this.workers.splice(0)) await w.stop();
    for (const p of this.pools.splice(0)) await p.end();
    await this.pool.end();
  }
}
