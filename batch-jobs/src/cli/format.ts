import type { RunComparison } from '../compare/run-compare.ts';
import type { RunRow, StepRow } from '../engine/run-store.ts';
import type { AssetGraph } from '../graph/asset-graph.ts';
import { short, type AssetStatus } from '../status/asset-status.ts';

/** Fixed-width columns; the last column is left ragged. */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

export function ago(iso: string | Date | null | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const s = Math.round((now - new Date(iso).getTime()) / 1000);
  if (s < 0) return `in ${human(-s)}`;
  return `${human(s)} ago`;
}

function human(s: number): string {
  if (s < 90) return `${s}s`;
  if (s < 5400) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

export function formatList(graph: AssetGraph): string {
  return table(
    ['ASSET', 'LAYER', 'DEPS', 'CODE', 'SCHEDULE', 'FRESHNESS', 'PARTITIONS', 'CHECKS'],
    graph
      .assets()
      .map((a) => [
        a.key,
        a.layer,
        a.deps.join(',') || '-',
        a.codeVersion,
        a.schedule ? `${a.schedule.cron}${a.schedule.tz ? ` ${a.schedule.tz}` : ''}` : '-',
        a.freshness ? `${a.freshness.deadline}${a.freshness.tz ? ` ${a.freshness.tz}` : ''}` : '-',
        a.partitions ? `${a.partitions.kind} from ${a.partitions.start}` : '-',
        String(a.checks?.length ?? 0),
      ]),
  );
}

export function formatStatus(statuses: AssetStatus[], now = Date.now()): string {
  const head = table(
    ['ASSET', 'LAYER', 'STATE', 'MATERIALIZED', 'DATA VERSION', 'ROWS', 'NEXT TICK'],
    statuses.map((s) => [
      s.key,
      s.layer,
      `${s.state}${s.running ? ' (running)' : ''}`,
      s.last ? `${ago(s.last.at, now)} (${s.last.runId})` : '-',
      short(s.last?.dataVersion),
      s.last?.rowCount === null || s.last === undefined ? '-' : String(s.last.rowCount),
      s.nextTick ? ago(s.nextTick, now) : '-',
    ]),
  );
  const why: string[] = [];
  for (const s of statuses) {
    const lines = [
      ...s.reasons.map((r) => `  - ${r}`),
      ...s.warnings.map((w) => `  ! ${w}`),
      ...(s.freshness ? [`  · freshness: due ${s.freshness.deadline}, next deadline ${s.freshness.nextDeadline}`] : []),
      ...(s.partitions
        ? [
            `  · partitions (${s.partitions.kind}): ${s.partitions.materialized} materialized, failed: ${s.partitions.failed.join(', ') || 'none'}`,
          ]
        : []),
    ];
    if (lines.length > 0) why.push(`${s.key} is ${s.state}:`, ...lines);
  }
  return why.length > 0 ? `${head}\n\nwhy:\n${why.join('\n')}` : head;
}

export function formatRuns(runs: RunRow[], now = Date.now()): string {
  return table(
    ['RUN', 'TRIGGER', 'STATUS', 'BY', 'CREATED', 'DURATION', 'ORIGIN'],
    runs.map((r) => [
      r.id,
      r.trigger,
      r.status,
      r.requested_by,
      ago(r.created_at, now),
      r.finished_at && r.started_at
        ? `${((r.finished_at.getTime() - r.started_at.getTime()) / 1000).toFixed(1)}s`
        : '-',
      Object.keys(r.origin).length ? JSON.stringify(r.origin) : r.parent_run_id ? `retry of ${r.parent_run_id}` : '',
    ]),
  );
}

export interface RunDetail {
  run: RunRow;
  steps: StepRow[];
  attempts: Array<{
    asset_key: string;
    partition_key: string;
    attempt: number;
    worker: string;
    outcome: string | null;
    error: unknown;
    started_at: Date;
    finished_at: Date | null;
  }>;
  checks: Array<{
    asset_key: string;
    partition_key: string;
    check_name: string;
    severity: string;
    blocking: boolean;
    passed: boolean;
    details: unknown;
  }>;
  logs: Array<{
    asset_key: string;
    partition_key: string;
    attempt: number;
    level: string;
    message: string;
    data: unknown;
    at: Date;
  }>;
}

export function formatRun(d: RunDetail): string {
  const r = d.run;
  const out = [
    `run ${r.id}  ${r.status}  trigger=${r.trigger}  by=${r.requested_by}${r.parent_run_id ? `  retry of ${r.parent_run_id}` : ''}`,
    `created ${r.created_at.toISOString()}  started ${r.started_at?.toISOString() ?? '-'}  finished ${r.finished_at?.toISOString() ?? '-'}  config ${short(r.config_hash)}`,
    '',
    table(
      ['STEP', 'PARTITION', 'STATUS', 'ATTEMPTS', 'DURATION', 'DETAIL'],
      d.steps.map((s) => [
        s.asset_key,
        s.partition_key || '-',
        s.status,
        String(s.attempts),
        s.finished_at && s.started_at
          ? `${((s.finished_at.getTime() - s.started_at.getTime()) / 1000).toFixed(2)}s`
          : '-',
        s.error
          ? `${s.error.code}: ${s.error.message}${s.error.details ? ` ${JSON.stringify(s.error.details)}` : ''}`
          : (s.reason ?? (s.progress ? `progress ${s.progress.done}/${s.progress.total ?? '?'}` : '')),
      ]),
    ),
  ];
  const retried = d.attempts.filter(
    (a) => a.attempt > 1 || (a.outcome !== null && a.outcome !== 'succeeded' && a.outcome !== 'up_to_date'),
  );
  if (retried.length > 0) {
    out.push('', 'attempts:');
    for (const a of d.attempts)
      out.push(
        `  ${a.asset_key}${a.partition_key ? `[${a.partition_key}]` : ''} #${a.attempt} on ${a.worker}: ${a.outcome ?? 'running'}${a.error ? ` ${JSON.stringify(a.error)}` : ''}`,
      );
  }
  if (d.checks.length > 0) {
    out.push('', 'checks:');
    for (const c of d.checks)
      out.push(
        `  ${c.passed ? 'pass' : c.severity === 'error' ? 'FAIL' : 'warn'}  ${c.asset_key}${c.partition_key ? `[${c.partition_key}]` : ''} ${c.check_name}${c.blocking ? ' (blocking)' : ''} ${JSON.stringify(c.details)}`,
      );
  }
  if (d.logs.length > 0) {
    out.push('', 'logs:');
    for (const l of d.logs)
      out.push(
        `  ${l.at.toISOString()} ${l.level.padEnd(5)} ${l.asset_key}#${l.attempt} ${l.message}${l.data ? ` ${JSON.stringify(l.data)}` : ''}`,
      );
  }
  return out.join('\n');
}

const v = (x: unknown) => (x === undefined ? '(absent)' : JSON.stringify(x));

export function formatCompare(c: RunComparison): string {
  const out = [
    `A ${c.a.id}  ${c.a.trigger} ${c.a.status}  ${c.a.createdAt}  config ${short(c.a.configHash)}`,
    `B ${c.b.id}  ${c.b.trigger} ${c.b.status}  ${c.b.createdAt}  config ${short(c.b.configHash)}`,
    '',
    c.config.length === 0
      ? 'config: identical for the assets both runs have'
      : `config: ${c.config.length} key(s) changed`,
    ...c.config.map((x) => `  * ${x.key}: ${v(x.before)} -> ${v(x.after)}`),
    ...(c.onlyIn.a.length > 0 ? [`only in A: ${c.onlyIn.a.join(', ')}`] : []),
    ...(c.onlyIn.b.length > 0 ? [`only in B: ${c.onlyIn.b.join(', ')}`] : []),
    '',
    'assets (* = differs):',
    table(
      ['', 'ASSET', 'STATUS A -> B', 'DATA VERSION A -> B', 'ROWS A -> B', 'DELTA', 'METADATA CHANGED'],
      c.assets.map((a) => [
        a.changed.length > 0 ? '*' : '',
        `${a.asset}${a.partition ? `[${a.partition}]` : ''}`,
        `${a.a?.status ?? '-'} -> ${a.b?.status ?? '-'}`,
        `${short(a.a?.dataVersion ?? undefined)} -> ${short(a.b?.dataVersion ?? undefined)}`,
        `${a.a?.rowCount ?? '-'} -> ${a.b?.rowCount ?? '-'}`,
        a.rowCountDelta === null ? '' : a.rowCountDelta > 0 ? `+${a.rowCountDelta}` : String(a.rowCountDelta),
        a.changed
          .filter((k) => k.startsWith('metadata.'))
          .map((k) => {
            const key = k.slice(9);
            return `${key}: ${v(a.a?.metadata[key])} -> ${v(a.b?.metadata[key])}`;
          })
          .join('; '),
      ]),
    ),
  ];
  out.push('', c.checks.length === 0 ? 'checks: no change' : 'checks changed:');
  for (const x of c.checks) {
    const side = (s: typeof x.a) => (s ? (s.passed ? 'pass' : `FAIL ${JSON.stringify(s.details)}`) : '(not run)');
    out.push(`  * ${x.asset}${x.partition ? `[${x.partition}]` : ''} ${x.check}: ${side(x.a)} -> ${side(x.b)}`);
  }
  return out.join('\n');
}
