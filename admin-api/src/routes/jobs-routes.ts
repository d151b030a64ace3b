import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type ApiContext, principalOf } from '../context.ts';
import { decodeCursor, limitOf, Page, PageQuery, pageOf } from '../http/pagination.ts';
import { errors } from '../http/schemas.ts';
import { withBatch } from './batch.ts';

/**
 * Batch jobs, read from the tables the engine writes (job_runs, job_steps, asset_latest,
 * asset_check_results, job_step_logs) — the API does not import the batch-jobs component.
 * Starting, retrying and comparing runs go through the wiring's BatchServices (runs are queued
 * for the jobs worker; the answer does not wait for them).
 * Asset status and lineage come from the BatchServices too: the same judgement as `ysh jobs
 * status` (code, config, upstream data or a source changed → stale, with the reasons).
 */
const AssetKey = Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_./:-]+$' });
const RunId = Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_.:-]+$' });
const ASSET_STATUSES = ['fresh', 'stale', 'failing', 'missing'] as const;

const NullableString = Type.Union([Type.String(), Type.Null()]);
const AssetT = Type.Object({
  key: Type.String(),
  layer: Type.String(),
  status: Type.Union(ASSET_STATUSES.map((s) => Type.Literal(s))),
  /** the reasons joined in one line; null when fresh */
  reason: NullableString,
  reasons: Type.Array(Type.String()),
  /** non-blocking check failures of the current materialization */
  warnings: Type.Array(Type.String()),
  running: Type.Boolean(),
  lastMaterializedAt: NullableString,
  lastRunId: NullableString,
  /** next scheduled run, when the asset has a schedule */
  nextTick: NullableString,
  /** the asset keys it reads */
  deps: Type.Array(Type.String()),
});
const RunT = Type.Object({
  id: Type.String(),
  status: Type.String(),
  trigger: Type.String(),
  assets: Type.Array(Type.String()),
  startedAt: Type.Union([Type.String(), Type.Null()]),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
});

/** An asset as `ysh jobs status` judges it (against the definitions this process runs), `reason` its reasons in one line. */
async function assets(ctx: ApiContext) {
  const all = await withBatch(ctx, (batch) => batch.jobs.assets());
  return all.map((a) => ({
    key: a.key,
    layer: a.layer,
    status: a.state,
    reason: a.reasons.length > 0 ? a.reasons.join('; ') : null,
    reasons: a.reasons,
    warnings: a.warnings,
    running: a.running,
    lastMaterializedAt: a.lastMaterializedAt,
    lastRunId: a.lastRunId,
    nextTick: a.nextTick,
    deps: a.deps,
  }));
}

export const jobsRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get(
    '/jobs/assets',
    {
      config: { role: 'viewer', allSites: true },
      schema: {
        tags: ['jobs'],
        summary: 'Assets with their state and the reasons, as `ysh jobs status` judges them',
        querystring: Type.Object(
          { status: Type.Optional(Type.Union(ASSET_STATUSES.map((s) => Type.Literal(s)))) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(AssetT), nextCursor: Type.Null() }), ...errors() },
      },
    },
    async (request) => {
      const all = await assets(ctx);
      return {
        items: request.query.status ? all.filter((a) => a.status === request.query.status) : all,
        nextCursor: null,
      };
    },
  );

  app.get(
    '/jobs/lineage',
    {
      config: { role: 'viewer', allSites: true },
      schema: {
        tags: ['jobs'],
        summary: 'Lineage graph: nodes and dependency edges',
        response: {
          200: Type.Object({
            nodes: Type.Array(
              Type.Object({
                key: Type.String(),
                layer: Type.String(),
                status: Type.String(),
                reason: Type.Union([Type.String(), Type.Null()]),
              }),
            ),
            edges: Type.Array(Type.Object({ from: Type.String(), to: Type.String() })),
          }),
          ...errors(),
        },
      },
    },
    async () => {
      const all = await assets(ctx);
      const nodes = all.map((a) => ({ key: a.key, layer: a.layer, status: a.status, reason: a.reason }));
      const edges = all.flatMap((a) => a.deps.map((from) => ({ from, to: a.key })));
      return { nodes, edges };
    },
  );

  app.get(
    '/jobs/runs',
    {
      config: { role: 'viewer', allSites: true },
      schema: {
        tags: ['jobs'],
        summary: 'Runs, newest first (asset= filters runs that touched the asset)',
        querystring: Type.Object(
          { ...PageQuery, asset: Type.Optional(AssetKey), status: Type.Optional(Type.String({ maxLength: 20 })) },
          { additionalProperties: false },
        ),
        response: { 200: Page(RunT), ...errors() },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = limitOf(q);
      const after = decodeCursor(q.cursor, ['string', 'string']);
      const res = await ctx.pool.query<{
        id: string;
        status: string;
        trigger: string;
        assets: string[] | null;
        created_at: Date;
        started_at: Date | null;
        finished_at: Date | null;
      }>(
        `SELECT r.id, r.status, r.trigger, r.created_at, r.started_at, r.finished_at,
                (SELECT array_agg(DISTINCT s.asset_key) FROM job_steps s WHERE s.run_id = r.id) AS assets
           FROM job_runs r
          WHERE ($1::text IS NULL OR EXISTS (SELECT 1 FROM job_steps s WHERE s.run_id = r.id AND s.asset_key = $1))
            AND ($2::text IS NULL OR r.status = $2)
            AND ($3::timestamptz IS NULL OR (r.created_at, r.id) < ($3, $4))
          ORDER BY r.created_at DESC, r.id DESC LIMIT $5`,
        [q.asset ?? null, q.status ?? null, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
      );
      const page = pageOf(res.rows, limit, (r) => [r.created_at.toISOString(), r.id]);
      return {
        items: page.items.map((r) => ({
          id: r.id,
          status: r.status,
          trigger: r.trigger,
          assets: (r.assets ?? []).sort(),
          startedAt: r.started_at?.toISOString() ?? null,
          finishedAt: r.finished_at?.toISOString() ?? null,
        })),
        nextCursor: page.nextCursor,
      };
    },
  );

  app.get(
    '/jobs/runs/:id',
    {
      config: { role: 'viewer', allSites: true },
      schema: {
        tags: ['jobs'],
        summary: 'A run with its steps, attempts, check results and logs',
        params: Type.Object({ id: RunId }),
        response: {
          200: Type.Object({
            run: Type.Unknown(),
            steps: Type.Array(Type.Unknown()),
            attempts: Type.Array(Type.Unknown()),
            checks: Type.Array(Type.Unknown()),
            logs: Type.Array(Type.Unknown()),
          }),
          ...errors(404),
        },
      },
    },
    async (request) => withBatch(ctx, (b) => b.jobs.run(request.params.id)),
  );

  app.post(
    '/jobs/materialize',
    {
      config: { role: 'operator', allSites: true },
      schema: {
        tags: ['jobs'],
        summary: 'Queue a run of the assets (and their downstream/upstream); answers with its id at once',
        body: Type.Object(
          {
            assets: Type.Array(AssetKey, { minItems: 1, maxItems: 100, uniqueItems: true }),
            downstream: Type.Optional(Type.Boolean()),
            upstream: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 202: Type.Object({ runId: Type.String() }), ...errors(404, 503) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const run = await withBatch(ctx, (batch) =>
        batch.jobs.materialize({
          assets: b.assets,
          ...(b.downstream === undefined ? {} : { downstream: b.downstream }),
          ...(b.upstream === undefined ? {} : { upstream: b.upstream }),
          by: principalOf(request).email,
        }),
      );
      request.audit = { target: `run/${run.runId}`, after: { ...b, runId: run.runId } };
      return reply.code(202).send(run);
    },
  );

  app.post(
    '/jobs/runs/:id/retry',
    {
      config: { role: 'operator', allSites: true },
      schema: {
        tags: ['jobs'],
        summary: "Queue a run of the run's failed, blocked and canceled steps (and what waits on them)",
        params: Type.Object({ id: RunId }),
        response: { 202: Type.Object({ runId: Type.String() }), ...errors(404, 409, 503) },
      },
    },
    async (request, reply) => {
      const run = await withBatch(ctx, (batch) => batch.jobs.retry(request.params.id, principalOf(request).email));
      request.audit = { target: `run/${request.params.id}`, after: { retryRunId: run.runId } };
      return reply.code(202).send(run);
    },
  );

  app.get(
    '/jobs/compare',
    {
      config: { role: 'viewer', allSites: true },
      schema: {
        tags: ['jobs'],
        summary: 'Two runs side by side: config diff, per-asset versions/rows/metadata, changed checks',
        querystring: Type.Object({ a: RunId, b: RunId }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            a: Type.Unknown(),
            b: Type.Unknown(),
            config: Type.Array(Type.Unknown()),
            onlyIn: Type.Object({ a: Type.Array(Type.String()), b: Type.Array(Type.String()) }),
            assets: Type.Array(Type.Unknown()),
            checks: Type.Array(Type.Unknown()),
          }),
          ...errors(404, 503),
        },
      },
    },
    async (request) => withBatch(ctx, (b) => b.jobs.compare(request.query.a, request.query.b)),
  );
};
