import type { Queryable } from '@ysh/common/db';
import { getRun, getSteps, type RunRow } from '../engine/run-store.ts';
import { diffConfig, type ConfigChange } from '../status/config-diff.ts';
import { canonicalJson } from '../versions/data-version.ts';

export interface SideOfAsset {
  status: string;
  dataVersion: string | null;
  rowCount: number | null;
  metadata: Record<string, unknown>;
  /** The materialization was made by this run (false: up to date, the version it read). */
  materializedHere: boolean;
}

export interface AssetComparison {
  asset: string;
  partition: string;
  a: SideOfAsset | null;
  b: SideOfAsset | null;
  /** Fields that differ: status, dataVersion, rowCount, metadata.<key>. */
  changed: string[];
  rowCountDelta: number | null;
}

export interface CheckComparison {
  asset: string;
  partition: string;
  check: string;
  a: { passed: boolean; severity: string; details: unknown } | null;
  b: { passed: boolean; severity: string; details: unknown } | null;
}

export interface RunComparison {
  a: RunSummary;
  b: RunSummary;
  /** Config keys that differ, for the assets both runs materialized. */
  config: ConfigChange[];
  /** Assets only one of the runs had. */
  onlyIn: { a: string[]; b: string[] };
  assets: AssetComparison[];
  /** Only the checks whose outcome changed (or that ran in one run only). */
  checks: CheckComparison[];
}

export interface RunSummary {
  id: string;
  trigger: string;
  status: string;
  createdAt: string;
  configHash: string;
}

interface Mat {
  id: string;
  asset_key: string;
  partition_key: string;
  data_version: string;
  row_count: string | null;
  metadata: Record<string, unknown>;
  run_id: string;
}

async function sideOf(db: Queryable, run: RunRow) {
  const steps = await getSteps(db, run.id);
  const { rows: own } = await db.query<Mat>(
    'SELECT id::text, asset_key, partition_key, data_version, row_count, metadata, run_id FROM asset_materializations WHERE run_id = $1',
    [run.id],
  );
  const out = new Map<string, SideOfAsset>();
  const used: string[] = [];
  for (const s of steps) {
    let m: Mat | undefined = own.find((x) => x.asset_key === s.asset_key && x.partition_key === s.partition_key);
    const here = m !== undefined;
    if (!m && s.status === 'up_to_date') {
      const { rows } = await db.query<Mat>(
        `SELECT id::text, asset_key, partition_key, data_version, row_count, metadata, run_id FROM asset_materializations
         WHERE asset_key = $1 AND partition_key = $2 AND checks_passed AND created_at <= coalesce($3, now())
         ORDER BY created_at DESC, id DESC LIMIT 1`,
        [s.asset_key, s.partition_key, s.finished_at],
      );
      m = rows[0];
    }
    if (m) used.push(m.id);
    out.set(`${s.asset_key}@${s.partition_key}`, {
      status: s.status,
      dataVersion: m?.data_version ?? null,
      rowCount: m?.row_count === null || m === undefined ? null : Number(m.row_count),
      metadata: m?.metadata ?? {},
      materializedHere: here,
    });
  }
  const { rows: checks } = await db.query<{
    asset_key: string;
    partition_key: string;
    check_name: string;
    passed: boolean;
    severity: string;
    details: unknown;
  }>(
    // An up-to-date step is compared with the checks of the materialization it kept.
    'SELECT asset_key, partition_key, check_name, passed, severity, details FROM asset_check_results WHERE materialization_id = ANY($1::bigint[])',
    [used],
  );
  return { assets: out, checks };
}

const summary = (r: RunRow): RunSummary => ({
  id: r.id,
  trigger: r.trigger,
  status: r.status,
  createdAt: r.created_at.toISOString(),
  configHash: r.config_hash,
});

/** Run A against run B: config diff, per asset versions/rows/metadata side by side, changed checks. */
export async function compareRuns(db: Queryable, idA: string, idB: string): Promise<RunComparison> {
  const [ra, rb] = [await getRun(db, idA), await getRun(db, idB)];
  const [sa, sb] = [await sideOf(db, ra), await sideOf(db, rb)];
  const keys = [...new Set([...sa.assets.keys(), ...sb.assets.keys()])].sort();
  const assets = keys.map((k): AssetComparison => {
    const [asset, partition] = k.split('@') as [string, string];
    const a = sa.assets.get(k) ?? null;
    const b = sb.assets.get(k) ?? null;
    const changed: string[] = [];
    if (a?.status !== b?.status) changed.push('status');
    if (a?.dataVersion !== b?.dataVersion) changed.push('dataVersion');
    if (a?.rowCount !== b?.rowCount) changed.push('rowCount');
    for (const mk of [...new Set([...Object.keys(a?.metadata ?? {}), ...Object.keys(b?.metadata ?? {})])].sort())
      if (canonicalJson(a?.metadata[mk] ?? null) !== canonicalJson(b?.metadata[mk] ?? null))
        changed.push(`metadata.${mk}`);
    const delta =
      a?.rowCount !== null && a?.rowCount !== undefined && b?.rowCount !== null && b?.rowCount !== undefined
        ? b.rowCount - a.rowCount
        : null;
    return { asset, partition, a, b, changed, rowCountDelta: delta };
  });
  const checkKeys = new Set(
    [...sa.checks, ...sb.checks].map((c) => `${c.asset_key}@${c.partition_key}#${c.check_name}`),
  );
  const checks: CheckComparison[] = [];
  for (const ck of [...checkKeys].sort()) {
    const find = (list: typeof sa.checks) =>
      list.find((c) => `${c.asset_key}@${c.partition_key}#${c.check_name}` === ck);
    const ca = find(sa.checks);
    const cb = find(sb.checks);
    if (ca && cb && ca.passed === cb.passed) continue;
    const [head, check] = ck.split('#') as [string, string];
    const [asset, partition] = head.split('@') as [string, string];
    const side = (c: typeof ca) => (c ? { passed: c.passed, severity: c.severity, details: c.details } : null);
    checks.push({ asset, partition, check, a: side(ca), b: side(cb) });
  }
  const inA = Object.keys(ra.config.assets);
  const inB = Object.keys(rb.config.assets);
  const both = inA.filter((k) => inB.includes(k));
  const pick = (c: Record<string, unknown>) => Object.fromEntries(both.map((k) => [k, c[k]]));
  return {
    a: summary(ra),
    b: summary(rb),
    config: diffConfig(pick(ra.config.assets), pick(rb.config.assets)),
    onlyIn: { a: inA.filter((k) => !inB.includes(k)).sort(), b: inB.filter((k) => !inA.includes(k)).sort() },
    assets,
    checks,
  };
}
