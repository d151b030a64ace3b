import { JobsError } from '../errors.ts';
import type { AssetCheck, CheckContext, CheckOutcome, CheckSeverity } from './check.ts';

const IDENT = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/;

function ident(name: string): string {
  if (!IDENT.test(name)) throw new JobsError('JOBS_GRAPH_INVALID', `check: "${name}" is not a plain SQL identifier`);
  return name;
}

interface Common {
  name?: string;
  severity?: CheckSeverity;
  /** Defaults to true for severity error. */
  blocking?: boolean;
}

interface TableScope {
  table: string;
  /**
   * Extra SQL condition limiting the rows checked (trusted code, not user
   * input); `$1` is the partition key when the asset is partitioned.
   */
  where?: string;
}

function make(defaultName: string, o: Common, run: (ctx: CheckContext) => Promise<CheckOutcome>): AssetCheck {
  const severity = o.severity ?? 'error';
  return { name: o.name ?? defaultName, severity, blocking: o.blocking ?? severity === 'error', run };
}

function scoped(o: TableScope, ctx: CheckContext): { where: string; params: unknown[] } {
  if (!o.where) return { where: 'TRUE', params: [] };
  return { where: `(${o.where})`, params: o.where.includes('$1') ? [ctx.partition ?? ''] : [] };
}

async function count(ctx: CheckContext, sql: string, params: unknown[]): Promise<number> {
  const { rows } = await ctx.db.query<{ n: string }>(sql, params);
  return Number(rows[0]?.n ?? 0);
}

/** No NULL in `column`. */
export function notNull(o: Common & TableScope & { column: string }): AssetCheck {
  const t = ident(o.table);
  const c = ident(o.column);
  return make(`not_null:${o.table}.${o.column}`, o, async (ctx) => {
    const s = scoped(o, ctx);
    const n = await count(ctx, `SELECT count(*) AS n FROM ${t} WHERE ${c} IS NULL AND ${s.where}`, s.params);
    return { passed: n === 0, details: { nullRows: n } };
  });
}

/** No two rows share the values of `columns`. */
export function unique(o: Common & TableScope & { columns: string[] }): AssetCheck {
  const t = ident(o.table);
  const cols = o.columns.map(ident).join(', ');
  return make(`unique:${o.table}(${o.columns.join(',')})`, o, async (ctx) => {
    const s = scoped(o, ctx);
    const n = await count(
      ctx,
      `SELECT count(*) AS n FROM (SELECT 1 FROM ${t} WHERE ${s.where} GROUP BY ${cols} HAVING count(*) > 1) d`,
      s.params,
    );
    return { passed: n === 0, details: { duplicateKeys: n } };
  });
}

/** Every non-null `column` within [min, max]. */
export function acceptedRange(o: Common & TableScope & { column: string; min?: number; max?: number }): AssetCheck {
  const t = ident(o.table);
  const c = ident(o.column);
  return make(`range:${o.table}.${o.column}`, o, async (ctx) => {
    const s = scoped(o, ctx);
    const p = s.params.length;
    const { rows } = await ctx.db.query<{ n: string; lo: number | null; hi: number | null }>(
      `SELECT count(*) FILTER (WHERE ${c} < $${p + 1} OR ${c} > $${p + 2}) AS n, min(${c}) AS lo, max(${c}) AS hi
       FROM ${t} WHERE ${s.where}`,
      [...s.params, o.min ?? -Number.MAX_VALUE, o.max ?? Number.MAX_VALUE],
    );
    const r = rows[0];
    const n = Number(r?.n ?? 0);
    return {
      passed: n === 0,
      details: {
        outOfRange: n,
        min: o.min ?? null,
        max: o.max ?? null,
        seenMin: r?.lo ?? null,
        seenMax: r?.hi ?? null,
      },
    };
  });
}

/** Every non-null `column` value exists in `refTable.refColumn`. */
export function referential(
  o: Common & TableScope & { column: string; refTable: string; refColumn: string },
): AssetCheck {
  const t = ident(o.table);
  const c = ident(o.column);
  const rt = ident(o.refTable);
  const rc = ident(o.refColumn);
  return make(`references:${o.table}.${o.column}->${o.refTable}.${o.refColumn}`, o, async (ctx) => {
    const s = scoped(o, ctx);
    const { rows } = await ctx.db.query<{ n: string; sample: string[] | null }>(
      `SELECT count(*) AS n, (array_agg(DISTINCT x.${c}::text))[1:5] AS sample FROM ${t} x
       WHERE x.${c} IS NOT NULL AND ${s.where}
         AND NOT EXISTS (SELECT 1 FROM ${rt} r WHERE r.${rc} = x.${c})`,
      s.params,
    );
    const n = Number(rows[0]?.n ?? 0);
    return { passed: n === 0, details: { orphanRows: n, sample: rows[0]?.sample ?? [] } };
  });
}

/** The row count reported by the materialization changed by at most `maxPercent` from the previous one. */
export function rowCountChange(o: Common & { maxPercent: number }): AssetCheck {
  return make(`row_count_change<=${o.maxPercent}%`, o, async (ctx) => {
    if (ctx.rowCount === undefined || ctx.previousRowCount === undefined || ctx.previousRowCount === 0)
      return { passed: true, details: { rowCount: ctx.rowCount ?? null, previous: ctx.previousRowCount ?? null } };
    const pct = (Math.abs(ctx.rowCount - ctx.previousRowCount) / ctx.previousRowCount) * 100;
    return {
      passed: pct <= o.maxPercent,
      details: {
        rowCount: ctx.rowCount,
        previous: ctx.previousRowCount,
        changePercent: Math.round(pct * 10) / 10,
        maxPercent: o.maxPercent,
      },
    };
  });
}

/** Custom SQL returning the failing rows' count as `n` (or no rows): passes when n is 0. */
export function sqlCheck(o: Common & { name: string; sql: string }): AssetCheck {
  return make(o.name, o, async (ctx) => {
    const params = o.sql.includes('$1') ? [ctx.partition ?? ''] : [];
    const { rows } = await ctx.db.query<{ n: string | number }>(o.sql, params);
    const n = Number(rows[0]?.n ?? 0);
    return { passed: n === 0, details: { failing: n } };
  });
}

/** A check written in TypeScript. */
export function customCheck(
  o: Common & { name: string; run: (ctx: CheckContext) => Promise<CheckOutcome> },
): AssetCheck {
  return make(o.name, o, o.run);
}
