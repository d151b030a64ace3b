import { randomBytes } from 'node:crypto';
import type PgBoss from 'pg-boss';
import { inTransaction, type Pool, type PoolClient, type Queryable } from '@ysh/common/db';
import type { AssetGraph } from '../graph/asset-graph.ts';
import { JobsError } from '../errors.ts';
import { bossDb, DEAD_QUEUE, STEP_QUEUE, type StepJobData } from './queue.ts';
import { stepId, type RunPlan, type RunTrigger } from './plan.ts';

export interface RunRequest {
  trigger: RunTrigger;
  requestedBy: string;
  plan: RunPlan;
  parentRunId?: string;
  origin?: Record<string, unknown>;
}

export interface StepJobPolicy {
  /** Extra pg-boss retries for attempts lost with their worker (kill -9), beyond the asset's own retries. */
  crashRetries: number;
  defaultTimeoutMs: number;
  defaultRetry: { maxRetries: number; baseDelaySeconds: number };
}

/** Sortable, typeable run ids: r20261130-233745-3fa2c1. */
export function newRunId(now = new Date()): string {
  const s = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `r${s}-${randomBytes(3).toString('hex')}`;
}

/** The pg-boss job of one step: its retries and expiry come from the asset. */
export function stepJob(graph: AssetGraph, policy: StepJobPolicy, data: StepJobData): PgBoss.JobInsert<StepJobData> {
  const asset = graph.has(data.asset) ? graph.get(data.asset) : undefined;
  const retry = { ...policy.defaultRetry, ...asset?.retry };
  const timeoutMs = asset?.timeoutMs ?? policy.defaultTimeoutMs;
  return {
    name: STEP_QUEUE,
    data,
    retryLimit: retry.maxRetries + policy.crashRetries,
    retryDelay: Math.max(1, Math.round(retry.baseDelaySeconds)),
    retryBackoff: true,
    expireInSeconds: Math.max(1, Math.ceil(timeoutMs / 1000)),
    deadLetter: DEAD_QUEUE,
  };
}

/** Queues steps inside the caller's transaction: a rollback takes the jobs back too. */
export async function enqueueSteps(
  client: PoolClient,
  boss: PgBoss,
  graph: AssetGraph,
  policy: StepJobPolicy,
  steps: StepJobData[],
): Promise<void> {
  if (steps.length === 0) return;
  await boss.insert(
    steps.map((s) => stepJob(graph, policy, s)),
    { db: bossDb(client) },
  );
}

/**
 * Records a run and its steps and queues the steps that wait for nothing, in
 * one transaction (or the caller's). Returns the run id.
 */
export async function createRun(
  db: Pool | PoolClient,
  boss: PgBoss,
  graph: AssetGraph,
  policy: StepJobPolicy,
  req: RunRequest,
): Promise<string> {
  const id = newRunId();
  const work = async (client: PoolClient) => {
    await client.query(
      `INSERT INTO job_runs (id, trigger, status, requested_by, config, config_hash, parent_run_id, origin, remaining)
       VALUES ($1, $2, 'queued', $3, $4::jsonb, $5, $6, $7::jsonb, $8)`,
      [
        id,
        req.trigger,
        req.requestedBy,
        JSON.stringify({ assets: req.plan.config, force: req.plan.force }),
        req.plan.configHash,
        req.parentRunId ?? null,
        JSON.stringify(req.origin ?? {}),
        req.plan.steps.length,
      ],
    );
    const steps = req.plan.steps;
    await client.query(
      `INSERT INTO job_steps (run_id, asset_key, partition_key, seq, status, deps, waiting)
       SELECT $1, a, p, n, CASE WHEN d = '' THEN 'queued' ELSE 'pending' END,
              CASE WHEN d = '' THEN '{}'::text[] ELSE string_to_array(d, ',') END,
              CASE WHEN d = '' THEN 0 ELSE cardinality(string_to_array(d, ',')) END
       FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS t(a, p, d, n)`,
      [id, steps.map((s) => s.asset), steps.map((s) => s.partition), steps.map((s) => s.deps.join(','))],
    );
    const roots = steps.filter((s) => s.deps.length === 0);
    await enqueueSteps(
      client,
      boss,
      graph,
      policy,
      roots.map((s) => ({ runId: id, asset: s.asset, partition: s.partition })),
    );
  };
  if ('release' in db) await work(db);
  else await inTransaction(db, work);
  return id;
}

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled';
export type StepStatus =
  | 'pending'
  | 'queued'
  | 'running'
  | 'succeeded'
  | 'up_to_date'
  | 'failed'
  | 'blocked'
  | 'canceled';
export const TERMINAL_STEP: readonly StepStatus[] = ['succeeded', 'up_to_date', 'failed', 'blocked', 'canceled'];

export interface RunRow {
  id: string;
  trigger: RunTrigger;
  status: RunStatus;
  requested_by: string;
  config: { assets: Record<string, Record<string, unknown>>; force: boolean };
  config_hash: string;
  parent_run_id: string | null;
  origin: Record<string, unknown>;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface StepRow {
  run_id: string;
  asset_key: string;
  partition_key: string;
  /** the step's place in the plan (dependency order) */
  seq: number;
  status: StepStatus;
  deps: string[];
  attempts: number;
  error: { code: string; message: string; retriable: boolean; details?: Record<string, unknown> } | null;
  reason: string | null;
  progress: { done: number; total?: number; message?: string } | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export async function getRun(db: Queryable, id: string): Promise<RunRow> {
  const { rows } = await db.query<RunRow>('SELECT * FROM job_runs WHERE id = $1', [id]);
  const run = rows[0];
  if (!run) throw new JobsError('JOBS_RUN_NOT_FOUND', `no run ${id}`);
  return run;
}

export async function getSteps(db: Queryable, runId: string): Promise<StepRow[]> {
  const { rows } = await db.query<StepRow>(
    'SELECT * FROM job_steps WHERE run_id = $1 ORDER BY seq, asset_key, partition_key',
    [runId],
  );
  return rows;
}

export async function listRuns(db: Queryable, o: { asset?: string; limit?: number } = {}): Promise<RunRow[]> {
  const limit = o.limit ?? 20;
  if (o.asset) {
    const { rows } = await db.query<RunRow>(
      `SELECT r.* FROM job_runs r WHERE r.id IN (
         SELECT s.run_id FROM job_steps s WHERE s.asset_key = $1 ORDER BY s.created_at DESC LIMIT $2)
       ORDER BY r.created_at DESC`,
      [o.asset, limit],
    );
    return rows;
  }
  const { rows } = await db.query<RunRow>('SELECT * FROM job_runs ORDER BY created_at DESC LIMIT $1', [limit]);
  return rows;
}

export { stepId };
