import { sqlCheck } from '../checks/builders.ts';
import { defineAsset } from '../graph/asset.ts';
import { replaceInTransaction } from '../parsing/raw-table.ts';
import { versionHash } from '../versions/data-version.ts';
import { type BandeiraRow, normalizeBandeira } from './layouts.ts';

interface RawRow {
  id: string;
  source_file: string;
  line: number;
  file_sha256: string;
  record: Record<string, unknown>;
}

type Bandeira = BandeiraRow & { rawId: string; sourceFile: string; line: number; sourceHash: string };

/** One row per competência; where several files give a month, the most recently generated one wins. */
export function normalizeBandeiras(raw: readonly RawRow[]): {
  rows: Bandeira[];
  rejected: Array<{ file: string; line: number; reason: string }>;
} {
  const byMonth = new Map<string, Bandeira>();
  const rejected: Array<{ file: string; line: number; reason: string }> = [];
  for (const r of raw) {
    const res = normalizeBandeira(r.record);
    if (!res.ok) {
      rejected.push({ file: r.source_file, line: r.line, reason: res.reason });
      continue;
    }
    const prev = byMonth.get(res.row.competencia);
    if (prev && (prev.generatedAt ?? '') >= (res.row.generatedAt ?? '')) continue;
    byMonth.set(res.row.competencia, {
      ...res.row,
      rawId: r.id,
      sourceFile: r.source_file,
      line: r.line,
      sourceHash: r.file_sha256,
    });
  }
  return { rows: [...byMonth.values()].sort((a, b) => a.competencia.localeCompare(b.competencia)), rejected };
}

/** normalized: the monthly tariff flag (competência, name, R$/kWh adder) with provenance. */
export const bandeiras = defineAsset({
  key: 'bandeiras',
  layer: 'normalized',
  description: 'Monthly bandeira tarifária: competência, flag, R$/kWh adder',
  deps: ['tarifas_raw'],
  codeVersion: '1',
  freshness: { deadline: '0 8 * * 1-5' },
  checks: [
    sqlCheck({
      name: 'months_contiguous',
      sql: `SELECT count(*) AS n FROM (
              SELECT competencia, lag(competencia) OVER (ORDER BY competencia) AS prev FROM bandeiras) m
            WHERE prev IS NOT NULL AND competencia <> (prev + interval '1 month')::date`,
    }),
    sqlCheck({
      name: 'adder_within_bounds',
      sql: 'SELECT count(*) AS n FROM bandeiras WHERE add_brl_kwh < 0 OR add_brl_kwh > 0.5',
    }),
  ],
  async materialize(ctx) {
    const { rows: raw } = await ctx.db.query<RawRow>(
      `SELECT id::text, source_file, line, file_sha256, record FROM tarifas_raw WHERE layout = 'bandeiras-csv'
       ORDER BY source_file, line`,
    );
    const { rows, rejected } = normalizeBandeiras(raw);
    await replaceInTransaction(ctx.db, async (c) => {
      await c.query('DELETE FROM bandeiras');
      await c.query(
        `INSERT INTO bandeiras (competencia, name, add_brl_kwh, raw_id, source_file, line, source_hash)
       SELECT "competencia", "name", "addBrlPerKwh", "rawId", "sourceFile", "line", "sourceHash"
       FROM jsonb_to_recordset($1::jsonb) AS t("competencia" date, "name" text, "addBrlPerKwh" numeric, "rawId" bigint,
         "sourceFile" text, "line" int, "sourceHash" text)`,
        [JSON.stringify(rows)],
      );
    });
    if (rejected.length) ctx.log.warn('bandeira rows not read', { rejected });
    return {
      rowCount: rows.length,
      fingerprint: versionHash(
        'bandeiras',
        rows.map((r) => [r.competencia, r.name, r.addBrlPerKwh, r.sourceFile, r.line]),
      ),
      metadata: {
        first: rows[0]?.competencia ?? null,
        last: rows.at(-1)?.competencia ?? null,
        rejected: rejected.length,
      },
    };
  },
});
