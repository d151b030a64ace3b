import {
  ConfigError,
  createLogger,
  createMetricsRegistry,
  gracefulShutdown,
  intFlag,
  loadConfigOrExit,
  parseFlags,
  startOpsServer,
  type CliCommand,
  type CliContext,
} from '@ysh/common';
import type PgBoss from 'pg-boss';
import { formatCompare, formatList, formatRun, formatRuns, formatStatus } from './cli/format.ts';
import { JOBS_META, JOBS_USAGE, TARIFA_META } from './cli/commands-meta.ts';
import { followRun } from './cli/progress.ts';
import { formatQuote } from './cli/tarifa-format.ts';
import { lookupTariff } from './tarifas/lookup.ts';
import { open, openDatabaseOrExplain, type Opened } from './cli/open.ts';
import { ragCommand, searchCommand } from './cli/rag-commands.ts';
import { compareRuns } from './compare/run-compare.ts';
import { loadJobsConfig, type JobsConfig } from './config.ts';
import { loadDefinitions } from './definitions.ts';
import { writeDemoCsv } from './demo/index.ts';
import { seedDomainInbox } from './seed-domain.ts';
import { planRun, type RunPlan, type RunTrigger } from './engine/plan.ts';
import { startQueue } from './engine/queue.ts';
import { partitionsToBackfill, retryPlan } from './engine/retry-backfill.ts';
import { createRun, listRuns } from './engine/run-store.ts';
import { startWorker, stepPolicy, type JobsWorker } from './engine/worker.ts';
import { pruneHistory } from './history/retention.ts';
import { getRunDetail } from './history/run-detail.ts';
import { formatLineage, lineageOf } from './lineage/lineage.ts';
import { propostaCommand } from './propostas/cli.ts';
import { assetStatuses } from './status/asset-status.ts';

const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
const json = (v: unknown) => out(JSON.stringify(v, null, 2));

function need(args: string[], n: number, what: string): void {
  if (args.length < n) throw new ConfigError('arguments', `expected ${what} (see ysh jobs --help)`);
}

function parseConfig(raw: string | undefined): Record<string, Record<string, unknown>> | undefined {
  if (raw === undefined) return undefined;
  try {
    const v = JSON.parse(raw) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, Record<string, unknown>>;
  } catch (err) {
    throw new ConfigError(
      '--config',
      `expected a JSON object {"<asset>": {<key>: <value>}}: ${(err as Error).message}`,
    );
  }
}

/** Creates a run; unless --no-wait, follows it (with a worker in this process when --local). */
async function startRun(
  o: Opened,
  plan: RunPlan,
  trigger: RunTrigger,
  flags: { wait: boolean; local: boolean },
  extra: { parentRunId?: string; origin?: Record<string, unknown> } = {},
): Promise<void> {
  let worker: JobsWorker | undefined;
  let boss: PgBoss | undefined;
  try {
    if (flags.local) {
      worker = await startWorker({
        pool: o.pool,
        graph: o.defs.graph,
        settings: { ...o.config, schedules: false },
        logger: o.logger,
      });
      boss = worker.boss;
    } else {
      boss = await startQueue(
        o.pool,
        {
          schema: o.config.queueSchema,
          pollingIntervalSeconds: 2,
          maintenanceIntervalSeconds: 60,
          retentionDays: 30,
          supervise: false,
        },
        (err) => o.logger.warn({ err: err.message }, 'job queue error'),
      );
    }
    const id = await createRun(o.pool, boss, o.defs.graph, stepPolicy(o.config), {
      trigger,
      requestedBy: process.env.USER ?? 'cli',
      plan,
      ...extra,
    });
    out(`run ${id} queued: ${plan.steps.length} step(s)`);
    if (!flags.wait) return;
    const run = await followRun(o.pool, id, {
      tty: Boolean(process.stderr.isTTY),
      write: (s) => process.stderr.write(s),
    });
    out(formatRun(await getRunDetail(o.pool, id, { logLimit: 0 })));
    if (run.status !== 'succeeded') process.exitCode = 1;
  } finally {
    if (worker) await worker.stop();
    else await boss?.stop({ graceful: false, close: false, wait: false }).catch(() => {});
  }
}

type Sub = (o: Opened, argv: string[]) => Promise<void>;

const subcommands: Record<string, Sub> = {
  async list(o) {
    out(formatList(o.defs.graph));
  },
  async status(o, argv) {
    const { values, positionals } = parseFlags('jobs status', argv, { json: { type: 'boolean' } }, true);
    for (const k of positionals) o.defs.graph.get(k);
    const all = await assetStatuses(o.pool, o.defs.graph);
    const picked = positionals.length ? all.filter((s) => positionals.includes(s.key)) : all;
    if (values.json) json(picked);
    else out(formatStatus(picked));
  },
  async materialize(o, argv) {
    const { values, positionals } = parseFlags(
      'jobs materialize',
      argv,
      {
        downstream: { type: 'boolean' },
        upstream: { type: 'boolean' },
        partition: { type: 'string' },
        config: { type: 'string' },
        force: { type: 'boolean' },
        'no-wait': { type: 'boolean' },
        local: { type: 'boolean' },
      },
      true,
    );
    need(positionals, 1, 'at least one ASSET');
    const plan = planRun(o.defs.graph, {
      assets: positionals,
      downstream: values.downstream,
      upstream: values.upstream,
      partition: values.partition,
      config: parseConfig(values.config),
      force: values.force,
    });
    await startRun(o, plan, 'manual', { wait: !values['no-wait'], local: Boolean(values.local) });
  },
  async runs(o, argv) {
    const { values } = parseFlags('jobs runs', argv, {
      asset: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
    });
    const runs = await listRuns(o.pool, { asset: values.asset, limit: intFlag('limit', values.limit, 20, 1, 10_000) });
    if (values.json) json(runs);
    else out(formatRuns(runs));
  },
  async run(o, argv) {
    const { values, positionals } = parseFlags('jobs run', argv, { json: { type: 'boolean' } }, true);
    need(positionals, 1, 'a run ID');
    const d = await getRunDetail(o.pool, positionals[0] as string);
    if (values.json) json(d);
    else out(formatRun(d));
  },
  async compare(o, argv) {
    const { values, positionals } = parseFlags('jobs compare', argv, { json: { type: 'boolean' } }, true);
    need(positionals, 2, 'RUN_A and RUN_B');
    const c = await compareRuns(o.pool, positionals[0] as string, positionals[1] as string);
    if (values.json) json(c);
    else out(formatCompare(c));
  },
  async retry(o, argv) {
    const { values, positionals } = parseFlags(
      'jobs retry',
      argv,
      { 'no-wait': { type: 'boolean' }, local: { type: 'boolean' } },
      true,
    );
    need(positionals, 1, 'a run ID');
    const parent = positionals[0] as string;
    const plan = await retryPlan(o.pool, o.defs.graph, parent);
    await startRun(
      o,
      plan,
      'retry',
      { wait: !values['no-wait'], local: Boolean(values.local) },
      { parentRunId: parent },
    );
  },
  async backfill(o, argv) {
    const { values, positionals } = parseFlags(
      'jobs backfill',
      argv,
      { from: { type: 'string' }, to: { type: 'string' }, 'no-wait': { type: 'boolean' }, local: { type: 'boolean' } },
      true,
    );
    need(positionals, 1, 'an ASSET');
    if (!values.from || !values.to) throw new ConfigError('--from/--to', 'a backfill needs both --from and --to');
    const asset = positionals[0] as string;
    const { all, todo } = await partitionsToBackfill(o.pool, o.defs.graph, asset, values.from, values.to);
    out(`${asset}: ${all.length} partition(s) in range, ${todo.length} missing or failed`);
    if (todo.length === 0) return;
    const plan = planRun(o.defs.graph, { assets: [asset], partitions: todo });
    await startRun(
      o,
      plan,
      'backfill',
      { wait: !values['no-wait'], local: Boolean(values.local) },
      {
        origin: { backfill: asset, from: values.from, to: values.to },
      },
    );
  },
  async lineage(o, argv) {
    const { values, positionals } = parseFlags('jobs lineage', argv, { json: { type: 'boolean' } }, true);
    need(positionals, 1, 'an ASSET');
    const l = await lineageOf(o.pool, o.defs.graph, positionals[0] as string);
    if (values.json) json(l);
    else out(formatLineage(l));
  },
  async prune(o, argv) {
    const { values } = parseFlags('jobs prune', argv, { days: { type: 'string' } });
    const days = intFlag('days', values.days, o.config.historyDays, 1, 36_500);
    const r = await pruneHistory(o.pool, {
      olderThanDays: days,
      batchSize: o.config.pruneBatch,
      maxBatches: 1_000_000,
    });
    out(`pruned ${r.runs} run(s) and ${r.materializations} materialization(s) older than ${days} days`);
  },
};

/** Commands that do not touch the database. */
const offline: Record<string, (config: JobsConfig, argv: string[]) => Promise<void>> = {
  async 'seed-demo'(config, argv) {
    const { values } = parseFlags('jobs seed-demo', argv, {
      days: { type: 'string' },
      file: { type: 'string' },
      start: { type: 'string' },
    });
    if (values.start !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.start))
      throw new ConfigError('--start', `expected a date YYYY-MM-DD, got ${JSON.stringify(values.start)}`);
    const path = await writeDemoCsv(config.inboxDir, values.file ?? 'meters.csv', {
      days: intFlag('days', values.days, 7, 1, 3650),
      start: values.start,
    });
    out(`wrote ${path}`);
  },
  async 'seed-domain'(config) {
    const copied = await seedDomainInbox(config.inboxDir);
    out(
      copied.length
        ? `seeded ${copied.length} files:\n${copied.join('\n')}`
        : 'inbox folders already exist, nothing seeded',
    );
  },
};

async function runWorker(argv: string[], context: CliContext | undefined): Promise<void> {
  const { values } = parseFlags('jobs worker', argv, { port: { type: 'string' } });
  const config = loadConfigOrExit(() => {
    const c = loadJobsConfig(process.env);
    return values.port === undefined ? c : { ...c, opsPort: intFlag('port', values.port, c.opsPort, 0, 65535) };
  }, 'jobs');
  const logger = createLogger('jobs', { level: config.common.logLevel });
  const shutdown = gracefulShutdown({ logger, deadlineMs: 20_000 });
  const db = await openDatabaseOrExplain(context, config, logger, 'ysh-jobs-worker');
  const pool = db.pool;
  const defs = await loadDefinitions(config);
  const registry = createMetricsRegistry('jobs');
  const worker = await startWorker({
    pool,
    graph: defs.graph,
    sensors: defs.sensors,
    settings: config,
    logger,
    registry,
    workerId: config.workerId,
  });
  const ops = await startOpsServer({
    port: config.opsPort,
    host: config.common.opsHost,
    registry,
    checks: { worker: () => worker.health() },
  });
  // In order: stop taking steps and let running ones finish, close /health and /metrics, close the pool.
  shutdown.add({ name: 'jobs worker', run: () => worker.stop() });
  shutdown.add({ name: 'ops server', run: () => ops.close() });
  shutdown.add({ name: 'database', run: () => db.close() });
  logger.info(
    { worker: worker.id, health: `${ops.url}/health`, metrics: `${ops.url}/metrics`, assets: defs.graph.size },
    'jobs worker ready',
  );
  await new Promise<void>(() => {});
}

const jobsCommand: CliCommand = {
  ...JOBS_META,
  async run(argv, context) {
    const [sub, ...rest] = argv;
    if (sub === 'worker') return runWorker(rest, context);
    const off = sub === undefined ? undefined : offline[sub];
    if (off)
      return off(
        loadConfigOrExit(() => loadJobsConfig(process.env), 'jobs'),
        rest,
      );
    const fn = sub === undefined ? undefined : subcommands[sub];
    if (!fn) {
      process.stderr.write(`${sub === undefined ? '' : `ysh jobs: unknown command "${sub}"\n\n`}${JOBS_USAGE}\n`);
      process.exitCode = 2;
      return;
    }
    const o = await open(context, 'jobs', 'warn');
    try {
      await fn(o, rest);
    } finally {
      await o.close();
    }
  },
};

const tarifaCommand: CliCommand = {
  ...TARIFA_META,
  async run(argv, context) {
    const { values } = parseFlags('tarifa', argv, {
      distribuidora: { type: 'string' },
      subgrupo: { type: 'string' },
      modalidade: { type: 'string' },
      classe: { type: 'string' },
      date: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (!values.distribuidora || !values.subgrupo)
      throw new ConfigError('arguments', 'expected --distribuidora NAME --subgrupo B1 (see ysh tarifa --help)');
    const o = await open(context, 'jobs', 'warn');
    try {
      const quote = await lookupTariff(
        o.pool,
        {
          distribuidora: values.distribuidora,
          subgrupo: values.subgrupo,
          modalidade: values.modalidade,
          classe: values.classe,
          date: values.date,
        },
        { taxes: o.config.tariffTaxes },
      );
      if (values.json) json(quote);
      else out(formatQuote(quote));
    } finally {
      await o.close();
    }
  },
};

/** The commands, implemented; `ysh` reaches them through cli-entry.ts, which loads this module on first use. */
export const commands: CliCommand[] = [jobsCommand, tarifaCommand, propostaCommand, ragCommand, searchCommand];
export { JOBS_USAGE, TARIFA_USAGE } from './cli/commands-meta.ts';
