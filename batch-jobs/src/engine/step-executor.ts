import type PgBoss from 'pg-boss';
import type { Logger } from '@ysh/common';
import { inTransaction, type Pool } from '@ysh/common/db';
import { blockingFailure, runChecks, type CheckResult } from '../checks/check.ts';
import { JobsError, stepErrorInfo, type StepErrorInfo } from '../errors.ts';
import type { AssetGraph } from '../graph/asset-graph.ts';
import type { MaterializeResult, UpstreamVersion } from '../graph/asset.ts';
import { configHash, dataVersion, inputVersion } from '../versions/data-version.ts';
import { BufferedStepLog } from './step-log.ts';
import type { StepJobData } from './queue.ts';
import type { StepJobPolicy } from './run-store.ts';
import { finishStep, type StepOutcome } from './step-finish.ts';
import { resolveUpstream } from './upstream.ts';

export interface ExecutorDeps {
  pool: Pool;
  boss: PgBoss;
  graph: AssetGraph;
  policy: StepJobPolicy;
  logger: Logger;
  workerId: string;
  alertChannels: string[];
  /** Aborted when the worker stops: running steps are asked to stop. */
  shutdown: AbortSignal;
  /** Called after steps were queued by this worker (wake the local fetch loop). */
  onQueued?: (n: number) => void;
  onStepDone?: (asset: string, status: string, seconds: number) => void;
}

interface Started {
  attempt: number;
  config: Record<string, unknown>;
  force: boolean;
  retriableFailures: number;
}

/**
 * Runs one step job: claim the step (recording the attempt and any attempt
 * lost with its worker), skip it when its inputs did not change, otherwise
 * materialize, run its checks and record the materialization, then finish it
 * (step-finish.ts). Returns "retry" when pg-boss should retry the job later.
 */
export class StepExecutor {
  constructor(private readonly d: ExecutorDeps) {}

  async execute(job: PgBoss.Job<StepJobData>): Promise<'done' | 'retry'> {
    const { runId, asset: key, partition } = job.data;
    const started = await this.start(job);
    if (!started) return 'done';
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
      const upstream = await resolveUpstream(this.d.pool, this.d.graph, key, partition);
      const inputs = {
        codeVersion: asset.codeVersion,
        configHash: configHash(config),
        upstream: Object.fromEntries(Object.entries(upstream).map(([k, v]) => [k, v.dataVersion])),
      };
      const base = { db: this.d.pool, config, partition: partition || undefined };
      const sourceVersion = asset.observe ? await asset.observe(base) : undefined;
      const input = inputVersion(inputs, sourceVersion);
      const previous = await this.latest(key, partition);
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
      const prevGood = await this.latest(key, partition, true);
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
      await this.record(job.data, {
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
      });
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
        });
      } else {
        await finish({ status: 'succeeded', checks, dataVersion: version });
      }
      return 'done';
    } catch (err) {
      let info: StepErrorInfo = stepErrorInfo(err);
      if (signal.aborted) {
        const why = timeout.aborted ? 'step timed out' : 'worker shutting down';
        info = { code: 'JOBS_CANCELED', message: `${why}: ${info.message}`, retriable: true };
      }
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

  /** Claims the step for this attempt; undefined when it is already finished (a duplicate delivery). */
  private async start(job: PgBoss.Job<StepJobData>): Promise<Started | undefined> {
    const { runId, asset, partition } = job.data;
    return inTransaction(this.d.pool, async (c) => {
      const { rows } = await c.query<{
        status: string;
        attempts: number;
        config: Record<string, unknown> | null;
        force: boolean;
        run_status: string;
      }>(
        `SELECT s.status, s.attempts, r.config->'assets'->$2 AS config, coalesce((r.config->>'force')::boolean, false) AS force,
                r.status AS run_status
         FROM job_steps s JOIN job_runs r ON r.id = s.run_id
         WHERE s.run_id = $1 AND s.asset_key = $2 AND s.partition_key = $3 FOR UPDATE OF s`,
        [runId, asset, partition],
      );
      const step = rows[0];
      if (!step || (step.status !== 'queued' && step.status !== 'running')) return undefined;
      if (step.status === 'running') {
        await c.query(
          `UPDATE job_step_attempts SET outcome = 'lost', finished_at = now(),
             error = '{"code":"JOBS_WORKER_LOST","message":"the worker running this attempt stopped answering (crash, kill -9 or timeout)","retriable":true}'::jsonb
           WHERE run_id = $1 AND asset_key = $2 AND partition_key = $3 AND outcome IS NULL`,
          [runId, asset, partition],
        );
      }
      const attempt = step.attempts + 1;
      await c.query(
        `UPDATE job_steps SET status = 'running', attempts = $4, started_at = coalesce(started_at, now())
         WHERE run_id = $1 AND asset_key = $2 AND partition_key = $3`,
        [runId, asset, partition, attempt],
      );
      await c.query(
        `INSERT INTO job_step_attempts (run_id, asset_key, partition_key, attempt, worker, queue_job_id)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [runId, asset, partition, attempt, this.d.workerId, job.id],
      );
      if (step.run_status === 'queued')
        await c.query(
          `UPDATE job_runs SET status = 'running', started_at = now() WHERE id = $1 AND status = 'queued'`,
          [runId],
        );
      const { rows: counted } = await c.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM job_step_attempts
         WHERE run_id = $1 AND asset_key = $2 AND partition_key = $3 AND outcome = 'retrying'`,
        [runId, asset, partition],
      );
      return { attempt, config: step.config ?? {}, force: step.force, retriableFailures: counted[0]?.n ?? 0 };
    });
  }

  private async latest(asset: string, partition: string, goodOnly = false) {
    const { rows } = await this.d.pool.query<{
      run_id: string;
      input_version: string;
      data_version: string;
      checks_passed: boolean;
      row_count: string | null;
    }>(
      goodOnly
        ? `SELECT m.run_id, m.input_version, m.data_version, m.checks_passed, m.row_count
           FROM asset_latest l JOIN asset_materializations m ON m.id = l.materialization_id
           WHERE l.asset_key = $1 AND l.partition_key = $2`
        : `SELECT run_id, input_version, data_version, checks_passed, row_count FROM asset_materializations
           WHERE asset_key = $1 AND partition_key = $2 ORDER BY created_at DESC, id DESC LIMIT 1`,
      [asset, partition],
    );
    return rows[0];
  }

  /** One materialization per (run, asset, partition): a re-executed step replaces its own row, never adds one. */
  private async record(
    step: StepJobData,
    m: {
      version: string;
      input: string;
      codeVersion: string;
      config: Record<string, unknown>;
      upstream: Record<string, UpstreamVersion>;
      sourceVersion: string | undefined;
      fingerprint: string;
      result: MaterializeResult;
      checks: CheckResult[];
      passed: boolean;
    },
  ): Promise<void> {
    await inTransaction(this.d.pool, async (c) => {
      const { rows } = await c.query<{ id: string }>(
        `INSERT INTO asset_materializations (run_id, asset_key, partition_key, data_version, input_version, code_version,
           config, config_hash, upstream, source_version, output_fingerprint, row_count, metadata, checks_passed)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9::jsonb, $10, $11, $12, $13::jsonb, $14)
         ON CONFLICT (run_id, asset_key, partition_key) DO UPDATE SET data_version = EXCLUDED.data_version,
           input_version = EXCLUDED.input_version, code_version = EXCLUDED.code_version, config = EXCLUDED.config,
           config_hash = EXCLUDED.config_hash, upstream = EXCLUDED.upstream, source_version = EXCLUDED.source_version,
           output_fingerprint = EXCLUDED.output_fingerprint, row_count = EXCLUDED.row_count, metadata = EXCLUDED.metadata,
           checks_passed = EXCLUDED.checks_passed, created_at = now()
         RETURNING id::text`,
        [
          step.runId,
          step.asset,
          step.partition,
          m.version,
          m.input,
          m.codeVersion,
          JSON.stringify(m.config),
          configHash(m.config),
          JSON.stringify(m.upstream),
          m.sourceVersion ?? null,
          m.fingerprint,
          m.result.rowCount ?? null,
          JSON.stringify(m.result.metadata ?? {}),
          m.passed,
        ],
      );
      const id = rows[0]?.id as string;
      if (m.passed) {
        await c.query(
          `INSERT INTO asset_latest (asset_key, partition_key, materialization_id, data_version, created_at)
           VALUES ($1, $2, $3, $4, now())
           ON CONFLICT (asset_key, partition_key) DO UPDATE SET materialization_id = EXCLUDED.materialization_id,
             data_version = EXCLUDED.data_version, created_at = EXCLUDED.created_at`,
          [step.asset, step.partition, id, m.version],
        );
      }
      if (m.checks.length === 0) return;
      await c.query(
        `INSERT INTO asset_check_results (materialization_id, run_id, asset_key, partition_key, check_name, severity, blocking, passed, details)
         SELECT $1, $2, $3, $4, n, s, b, p, d::jsonb
         FROM unnest($5::text[], $6::text[], $7::boolean[], $8::boolean[], $9::text[]) AS t(n, s, b, p, d)
         ON CONFLICT (materialization_id, check_name) DO UPDATE SET severity = EXCLUDED.severity,
           blocking = EXCLUDED.blocking, passed = EXCLUDED.passed, details = EXCLUDED.details, created_at = now()`,
        [
          id,
          step.runId,
          step.asset,
          step.partition,
          m.checks.map((x) => x.name),
          m.checks.map((x) => x.severity),
          m.checks.map((x) => x.blocking),
          m.checks.map((x) => x.passed),
          m.checks.map((x) => JSON.stringify(x.details)),
        ],
      );
    });
  }
}
