import type PgBoss from 'pg-boss';
import { inTransaction, type Queryable } from '@ysh/common/db';
import { blockingFailure, runChecks } from '../checks/check.ts';
import { JobsError, stepErrorInfo, type StepErrorInfo } from '../errors.ts';
import type { MaterializeResult } from '../graph/asset.ts';
import { configHash, dataVersion, inputVersion } from '../versions/data-version.ts';
import { BufferedStepLog } from './step-log.ts';
import type { StepJobData } from './queue.ts';
import type { ExecutorDeps } from './executor-deps.ts';
import { stepJob } from './run-store.ts';
import { finishStep, type NewMaterialization, type StepOutcome } from './step-finish.ts';
import { STEP_INPUTS_SQL, stepInputsFrom, type StepInputRow } from './upstream.ts';

export type { ExecutorDeps } from './executor-deps.ts';

interface Started {
  /** What the step reads (upstream current versions, its own previous materializations), read with the claim. */
  inputs: StepInputRow[];
  attempt: number;
  config: Record<string, unknown>;
  force: boolean;
  retriableFailures: number;
}

/** Seconds a step waits before looking again when another run is materializing its asset (grows to 15). */
const BUSY_WAIT_S = (waits: number) => Math.min(15, 2 * waits);

/**
 * Runs one step job: claim the step (recording the attempt and any attempt
 * lost with its worker), skip it when its inputs did not change, otherwise
 * materialize, run its checks and record the materialization, then finish it
 * (step-finish.ts). Returns "retry" when pg-boss should retry the job later.
 *
 * One asset and partition is materialized by one run at a time: a step whose asset another run is
 * materializing stays queued (its reason names that run) and looks again a few seconds later, so
 * two runs never write the same tables at once, and the later one usually finds the asset up to
 * date. (Two runs at once are ordinary: a sensor's run and a manual one, or a schedule's.)
 */
export class StepExecutor {
  constructor(private readonly d: ExecutorDeps) {}

  async execute(job: PgBoss.Job<StepJobData>): Promise<'done' | 'retry'> {
    const { runId, asset: key, partition } = job.data;
    const claim = await this.start(job);
    if (!claim) return 'done';
    if ('busyWith' in claim) {
      await this.waitForOtherRun(job, claim.busyWith);
      return 'done';
    }
    const started = claim;
    const t0 = performance.now();
    const logger = this.d.logger.child({
      run: runId,
      asset: key,
      partition: partition || undefined,
      attempt: started.attempt,
    });
    const log = new BufferedStepLog(logger);
    const asset = this.d.graph.has(key) ? this.d.graph.get(key) : undefined;
    const retry = { ...this.d.policy.defaultRetry, ...asset?.retry };
    const finish = async (outcome: StepOutcome) => {
      await finishStep(this.d, job.data, started.attempt, outcome, log.entries);
      this.d.onStepDone?.(key, outcome.status, (performance.now() - t0) / 1000);
    };
    const timeout = AbortSignal.timeout(asset?.timeoutMs ?? this.d.policy.defaultTimeoutMs);
    const signal = AbortSignal.any([this.d.shutdown, timeout]);
    try {
      if (!asset) throw new JobsError('JOBS_ASSET_UNKNOWN', `asset ${key} is not in this worker's graph`);
      const config = started.config;
      const {
        upstream,
        newest: previous,
        good: prevGood,
      } = stepInputsFrom(this.d.graph, key, partition, started.inputs);
      const inputs = {
        codeVersion: asset.codeVersion,
        configHash: configHash(config),
        upstream: Object.fromEntries(Object.entries(upstream).map(([k, v]) => [k, v.dataVersion])),
      };
      const base = { db: this.d.pool, config, partition: partition || undefined };
      const sourceVersion = asset.observe ? await asset.observe(base) : undefined;
      const input = inputVersion(inputs, sourceVersion);
      if (!started.force && previous?.checks_passed && previous.input_version === input) {
        log.info('inputs unchanged: up to date', { dataVersion: previous.data_version });
        await finish({ status: 'up_to_date', reason: `inputs unchanged since run ${previous.run_id}` });
        return 'done';
      }
      let lastProgress = 0;
      const result: MaterializeResult =
        (await asset.materialize({
          ...base,
          runId,
          assetKey: key,
          attempt: started.attempt,
          log,
          logger,
          upstream,
          sourceVersion,
          signal,
          progress: (done, total, message) => {
            const now = Date.now();
            if (now - lastProgress < 1000 && done !== total) return;
            lastProgress = now;
            void this.d.pool
              .query(
                'UPDATE job_steps SET progress = $4::jsonb WHERE run_id = $1 AND asset_key = $2 AND partition_key = $3',
                [runId, key, partition, JSON.stringify({ done, total, message })],
              )
              .catch(() => {});
          },
        })) ?? {};
      signal.throwIfAborted();
      const fingerprint = result.fingerprint ?? input;
      const version = dataVersion(inputs, fingerprint);
      const checks = await runChecks(asset.checks ?? [], {
        db: this.d.pool,
        assetKey: key,
        partition: partition || undefined,
        config,
        rowCount: result.rowCount,
        previousRowCount:
          prevGood?.row_count === null || prevGood === undefined ? undefined : Number(prevGood.row_count),
      });
      const blocked = blockingFailure(checks);
      const materialization: NewMaterialization = {
        version,
        input,
        codeVersion: asset.codeVersion,
        config,
        upstream,
        sourceVersion,
        fingerprint,
        result,
        checks,
        passed: !blocked,
      };
      for (const c of checks.filter((x) => !x.passed))
        log[c.severity === 'error' ? 'error' : 'warn'](`check ${c.name} failed`, c.details);
      if (blocked) {
        await finish({
          status: 'failed',
          error: {
            code: 'JOBS_CHECK_FAILED',
            message: `blocking check ${blocked.name} failed`,
            retriable: false,
            details: { check: blocked.name, ...blocked.details },
          },
          checks,
          materialization,
        });
      } else {
        await finish({ status: 'succeeded', checks, dataVersion: version, materialization });
      }
      return 'done';
    } catch (err) {
      let info: StepErrorInfo = stepErrorInfo(err);
      if (signal.aborted && !timeout.aborted) {
        // The worker is stopping: not the step's fault. Back to the queue for any worker, like an
        // attempt whose worker died, without using up one of its retries.
        info = { code: 'JOBS_CANCELED', message: `worker shutting down: ${info.message}`, retriable: true };
        log.warn('worker stopping: step canceled, back to the queue', { error: info });
        await finish({ status: 'retrying', error: info, stopped: true });
        return 'retry';
      }
      if (signal.aborted) info = { code: 'JOBS_CANCELED', message: `step timed out: ${info.message}`, retriable: true };
      if (info.retriable && started.retriableFailures < retry.maxRetries) {
        log.warn('retriable failure, will retry', { error: info });
        await finish({ status: 'retrying', error: info });
        return 'retry';
      }
      log.error('step failed', { error: info });
      await finish({ status: 'failed', error: info });
      return 'done';
    }
  }

  /**
   * The same step again in a few seconds, as a new job; this one completes. Until then the step
   * stays queued, with the run it waits for as its reason.
   */
  private async waitForOtherRun(job: PgBoss.Job<StepJobData>, busyWith: string): Promise<void> {
    const waits = (job.data.waits ?? 0) + 1;
    const seconds = BUSY_WAIT_S(waits);
    if (waits === 1)
      this.d.logger.info(
        { run: job.data.runId, asset: job.data.asset, partition: job.data.partition || undefined, busyWith },
        'another run is materializing this asset: waiting for it',
      );
    await this.d.boss.insert([
      {
        ...stepJob(this.d.graph, this.d.policy, { ...job.data, waits }),
        startAfter: new Date(Date.now() + seconds * 1000),
      },
    ]);
  }

  /**
   * Claims the step unless another run's step of the same asset and partition is running: then
   * the run it waits for (the step keeps it as its reason). Undefined for a duplicate delivery.
   */
  private async start(job: PgBoss.Job<StepJobData>): Promise<Started | { busyWith: string } | undefined> {
    const { runId, asset, partition } = job.data;
    return inTransaction(this.d.pool, async (c) => {
      // Claims of the same asset and partition, in any run, one after the other (on the embedded
      // database every transaction is alone anyway).
      await c.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`ysh-jobs-step:${asset}@${partition}`]);
      const busy = await c.query<{ run_id: string }>(
        `SELECT run_id FROM job_steps WHERE asset_key = $2 AND partition_key = $3 AND status = 'running' AND run_id <> $1
         LIMIT 1`,
        [runId, asset, partition],
      );
      const other = busy.rows[0]?.run_id;
      if (other !== undefined) {
        const waiting = await c.query(
          `UPDATE job_steps SET reason = $4
           WHERE run_id = $1 AND asset_key = $2 AND partition_key = $3 AND status = 'queued' RETURNING 1`,
          [runId, asset, partition, `waiting for run ${other}, which is materializing this asset`],
        );
        // A step already finished (a duplicate delivery) has nothing to wait for.
        return (waiting.rowCount ?? 0) > 0 ? { busyWith: other } : undefined;
      }
      return this.claim(c, job);
    });
  }

  /**
   * Claims the step for this attempt in one statement: marks an attempt left
   * without outcome as lost (its worker died), counts the retriable failures so
   * far, starts the run. Undefined when the step is already finished (a
   * duplicate delivery) or unknown.
   */
  private async claim(c: Queryable, job: PgBoss.Job<StepJobData>): Promise<Started | undefined> {
    const { runId, asset, partition } = job.data;
    const { rows } = await c.query<{
      attempt: number | null;
      config: Record<string, unknown> | null;
      force: boolean;
      retrying: number;
      inputs: StepInputRow[];
    }>(
      `WITH step AS (
         SELECT status FROM job_steps WHERE run_id = $1 AND asset_key = $2 AND partition_key = $3
           AND status IN ('queued', 'running') FOR UPDATE),
       lost AS (
         UPDATE job_step_attempts SET outcome = 'lost', finished_at = now(),
           error = '{"code":"JOBS_WORKER_LOST","message":"the worker running this attempt stopped answering (crash, kill -9 or timeout)","retriable":true}'::jsonb
         WHERE run_id = $1 AND asset_key = $2 AND partition_key = $3 AND outcome IS NULL
           AND EXISTS (SELECT 1 FROM step WHERE status = 'running') RETURNING 1),
       claimed AS (
         UPDATE job_steps SET status = 'running', attempts = attempts + 1, started_at = coalesce(started_at, now()),
           reason = NULL
         WHERE run_id = $1 AND asset_key = $2 AND partition_key = $3 AND EXISTS (SELECT 1 FROM step)
         RETURNING attempts),
       attempt AS (
         INSERT INTO job_step_attempts (run_id, asset_key, partition_key, attempt, worker, queue_job_id)
         SELECT $1, $2, $3, attempts, $4, $5 FROM claimed RETURNING attempt),
       run AS (
         UPDATE job_runs SET status = 'running', started_at = now()
         WHERE id = $1 AND status = 'queued' AND EXISTS (SELECT 1 FROM claimed) RETURNING 1)
       SELECT (SELECT attempt FROM attempt) AS attempt, r.config->'assets'->$2 AS config,
              coalesce((r.config->>'force')::boolean, false) AS force,
              (SELECT count(*)::int FROM job_step_attempts a WHERE a.run_id = $1 AND a.asset_key = $2
                 AND a.partition_key = $3 AND a.outcome = 'retrying') AS retrying,
              ${STEP_INPUTS_SQL} AS inputs
       FROM job_runs r WHERE r.id = $1`,
      [runId, asset, partition, this.d.workerId, job.id, this.d.graph.has(asset) ? this.d.graph.get(asset).deps : []],
    );
    const r = rows[0];
    if (!r || r.attempt === null) return undefined;
    return {
      attempt: r.attempt,
      config: r.config ?? {},
      force: r.force,
      retriableFailures: r.retrying,
      inputs: r.inputs,
    };
  }
}
