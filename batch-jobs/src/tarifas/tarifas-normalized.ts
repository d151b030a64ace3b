import { Type } from '@sinclair/typebox';
import type { Queryable } from '@ysh/common/db';
import { customCheck, sqlCheck } from '../checks/builders.ts';
import { defineAsset } from '../graph/asset.ts';
import { replaceInTransaction } from '../parsing/raw-table.ts';
import { canonicalJson, versionHash } from '../versions/data-version.ts';
import { normalizeOfficial, normalizeScraped, type ScrapedOptions, type TariffRow } from './layouts.ts';

interface RawRow {
  id: string;
  layout: string;
  source_file: string;
  line: number;
  file_sha256: string;
  record: Record<string, unknown>;
}

export type NormalizedTariff = TariffRow & {
  layout: string;
  rawId: string;
  sourceFile: string;
  line: number;
  sourceHash: string;
};

/** The identity of a published tariff: everything but the values. */
export function tariffKey(r: TariffRow): string {
  return canonicalJson([
    r.distribuidora,
    r.reh,
    r.vigenciaStart,
    r.vigenciaEnd,
    r.baseTarifaria,
    r.subgrupo,
    r.modalidade,
    r.classe,
    r.subclasse,
    r.detalhe,
    r.posto,
    r.unit,
    r.acessante,
  ]);
}

const LAYOUT_RANK: Record<string, number> = { 'official-csv': 0, 'datastore-json': 1, 'scraped-2023': 2 };

/**
 * Types the raw tariff rows. One row per tariff key: the same record in two layouts (CSV download
 * and datastore) is kept once, from the official CSV first; rows that cannot be read are
 * returned in `rejected` with the reason. Consecutive vigências are never merged.
 */
export function normalizeTariffRows(
  raw: readonly RawRow[],
  scraped: ScrapedOptions,
): { rows: NormalizedTariff[]; rejected: Array<{ file: string; line: number; reason: string }>; sameRecord: number } {
  const sorted = [...raw]
    .filter((r) => r.layout in LAYOUT_RANK)
    .sort(
      (a, b) =>
        (LAYOUT_RANK[a.layout] ?? 9) - (LAYOUT_RANK[b.layout] ?? 9) ||
        a.source_file.localeCompare(b.source_file) ||
        a.line - b.line,
    );
  const byKey = new Map<string, NormalizedTariff>();
  const rejected: Array<{ file: string; line: number; reason: string }> = [];
  let sameRecord = 0;
  for (const r of sorted) {
    const res = r.layout === 'scraped-2023' ? normalizeScraped(r.record, scraped) : normalizeOfficial(r.record);
    if (!res.ok) {
      rejected.push({ file: r.source_file, line: r.line, reason: res.reason });
      continue;
    }
    const key = tariffKey(res.row);
    const first = byKey.get(key);
    if (first) {
      if (first.te === res.row.te && first.tusd === res.row.tusd) sameRecord++;
      else
        rejected.push({
          file: r.source_file,
          line: r.line,
          reason: `same tariff key as ${first.sourceFile} line ${first.line} with other values (TE ${res.row.te} vs ${first.te}, TUSD ${res.row.tusd} vs ${first.tusd})`,
        });
      continue;
    }
    byKey.set(key, {
      ...res.row,
      layout: r.layout,
      rawId: r.id,
      sourceFile: r.source_file,
      line: r.line,
      sourceHash: r.file_sha256,
    });
  }
  return { rows: [...byKey.values()], rejected, sameRecord };
}

async function writeTariffs(db: Queryable, rows: readonly NormalizedTariff[]): Promise<void> {
  // Replaced as a whole in one transaction (readers see the old or the new set); the gold table is
  // rebuilt from this one in the next step.
  await replaceInTransaction(db, async (c) => {
    await c.query('DELETE FROM tarifas_normalized');
    await c.query(
      `INSERT INTO tarifas_normalized (distribuidora, cnpj, reh, vigencia_start, vigencia_end, base_tarifaria, subgrupo,
       modalidade, classe, subclasse, detalhe, posto, unit, acessante, te, tusd, tusd_fio_b, layout, raw_id,
       source_file, line, source_hash)
     SELECT "distribuidora", "cnpj", "reh", "vigenciaStart", "vigenciaEnd", "baseTarifaria", "subgrupo", "modalidade",
       "classe", "subclasse", "detalhe", "posto", "unit", "acessante", "te", "tusd", "tusdFioB", "layout", "rawId",
       "sourceFile", "line", "sourceHash"
     FROM jsonb_to_recordset($1::jsonb) AS t("distribuidora" text, "cnpj" text, "reh" text, "vigenciaStart" date,
       "vigenciaEnd" date, "baseTarifaria" text, "subgrupo" text, "modalidade" text, "classe" text, "subclasse" text,
       "detalhe" text, "posto" text, "unit" text, "acessante" text, "te" numeric, "tusd" numeric, "tusdFioB" numeric,
       "layout" text, "rawId" bigint, "sourceFile" text, "line" int, "sourceHash" text)`,
      [JSON.stringify(rows)],
    );
  });
}

/** Rows of one tariff key (all but vigência and REH) whose vigências intersect, both ends inclusive. */
export const OVERLAP_SQL = `
  SELECT count(*) AS n FROM tarifas_normalized a JOIN tarifas_normalized b
    ON a.id < b.id AND a.distribuidora = b.distribuidora AND a.base_tarifaria = b.base_tarifaria
   AND a.subgrupo = b.subgrupo AND a.modalidade = b.modalidade AND a.unit = b.unit
   AND a.classe IS NOT DISTINCT FROM b.classe AND a.subclasse IS NOT DISTINCT FROM b.subclasse
   AND a.detalhe IS NOT DISTINCT FROM b.detalhe AND a.posto IS NOT DISTINCT FROM b.posto
   AND a.acessante IS NOT DISTINCT FROM b.acessante
   AND a.vigencia_start <= coalesce(b.vigencia_end, 'infinity'::date)
   AND b.vigencia_start <= coalesce(a.vigencia_end, 'infinity'::date)`;

export const tarifasNormalizedConfig = Type.Object(
  {
    /** REH and vigência given to rows of the scraped layout, which has neither */
    scraped_reh: Type.String({ minLength: 1 }),
    scraped_vigencia_start: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }),
    scraped_vigencia_end: Type.Union([Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), Type.Null()]),
  },
  { additionalProperties: false },
);

/**
 * normalized: one row per (distribuidora, REH, vigência, base tarifária, subgrupo, modalidade,
 * classe, subclasse, detalhe, posto, unit, acessante), TE/TUSD in R$/kWh (R$/kW for demand),
 * "Não se aplica" as null, provenance to the raw row.
 */
export const tarifasNormalized = defineAsset({
  key: 'tarifas_normalized',
  layer: 'normalized',
  description: 'ANEEL tariffs typed: TE/TUSD in R$/kWh (R$/kW demand), vigências as published, provenance',
  deps: ['tarifas_raw'],
  codeVersion: '1',
  config: {
    schema: tarifasNormalizedConfig,
    defaults: {
      scraped_reh: 'sem REH na fonte (tarifas raspadas, 2023)',
      scraped_vigencia_start: '2023-02-24',
      scraped_vigencia_end: null,
    },
  },
  freshness: { deadline: '0 8 * * 1-5' },
  checks: [
    sqlCheck({ name: 'vigencias_do_not_overlap', sql: OVERLAP_SQL }),
    // R$ 0.05–3.00/kWh for the flat low-voltage tariffs; time-of-use peaks (Branca, group A Verde
    // Ponta) legitimately go above 3 at some small distribuidoras, so they are only a warning.
    sqlCheck({
      name: 'b_flat_tariffs_within_0.05_3.00',
      sql: `SELECT count(*) AS n FROM tarifas_normalized WHERE unit = 'kWh' AND subgrupo LIKE 'B%' AND posto IS NULL
              AND detalhe IS NULL AND base_tarifaria = 'Tarifa de Aplicação'
              AND coalesce(te, 0) + coalesce(tusd, 0) NOT BETWEEN 0.05 AND 3.00`,
    }),
    sqlCheck({
      name: 'all_energy_values_within_0_3.00',
      severity: 'warn',
      sql: `SELECT count(*) AS n FROM tarifas_normalized WHERE unit = 'kWh' AND (te < 0 OR tusd < 0 OR te > 3 OR tusd > 3)`,
    }),
    customCheck({
      name: 'current_reh_has_b1_residential_conventional',
      severity: 'warn',
      async run(ctx) {
        const { rows } = await ctx.db.query<{ distribuidora: string }>(
          `WITH today AS (SELECT (now() AT TIME ZONE 'America/Sao_Paulo')::date AS d)
           SELECT DISTINCT t.distribuidora FROM tarifas_normalized t, today
           WHERE t.vigencia_start <= today.d AND coalesce(t.vigencia_end, 'infinity') >= today.d
             AND NOT EXISTS (SELECT 1 FROM tarifas_normalized b WHERE b.distribuidora = t.distribuidora
               AND b.subgrupo = 'B1' AND b.modalidade = 'Convencional' AND b.classe = 'Residencial'
               AND b.base_tarifaria = 'Tarifa de Aplicação' AND b.unit = 'kWh'
               AND b.vigencia_start <= today.d AND coalesce(b.vigencia_end, 'infinity') >= today.d)
           ORDER BY 1`,
        );
        return { passed: rows.length === 0, details: { missing: rows.map((r) => r.distribuidora) } };
      },
    }),
  ],
  async materialize(ctx) {
    const { rows: raw } = await ctx.db.query<RawRow>(
      `SELECT id::text, layout, source_file, line, file_sha256, record FROM tarifas_raw
       WHERE layout <> 'bandeiras-csv' ORDER BY source_file, line`,
    );
    const { rows, rejected, sameRecord } = normalizeTariffRows(raw, {
      reh: ctx.config.scraped_reh,
      vigenciaStart: ctx.config.scraped_vigencia_start,
      vigenciaEnd: ctx.config.scraped_vigencia_end,
    });
    await writeTariffs(ctx.db, rows);
    if (rejected.length)
      ctx.log.warn('tariff rows not read', { rejected: rejected.length, first: rejected.slice(0, 5) });
    return {
      rowCount: rows.length,
      fingerprint: versionHash(
        'tarifas_normalized',
        rows.map((r) => [tariffKey(r), r.te, r.tusd, r.tusdFioB, r.sourceFile, r.line]),
      ),
      metadata: {
        rejected: rejected.length,
        rejectedSample: rejected.slice(0, 20),
        sameRecordInTwoLayouts: sameRecord,
      },
    };
  },
});
