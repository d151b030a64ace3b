import { sqlCheck } from '../checks/builders.ts';
import { defineAsset } from '../graph/asset.ts';
import { replaceInTransaction } from '../parsing/raw-table.ts';
import { versionHash } from '../versions/data-version.ts';

/**
 * gold: the billed energy tariffs the lookup reads — base "Tarifa de Aplicação", no detalhe
 * (not APE/SCEE lines), no acessante, R$/kWh — one row per (distribuidora, subgrupo, modalidade,
 * classe, subclasse, posto, vigência) with REH and provenance. Scheduled on business days at
 * 06:00 and due before 08:00 (America/Sao_Paulo).
 */
export const tarifasGold = defineAsset({
  key: 'tarifas_gold',
  layer: 'gold',
  description: 'Billed energy tariffs (TE, TUSD, TUSD Fio B) per distribuidora/subgrupo/modalidade/classe and vigência',
  deps: ['tarifas_normalized', 'bandeiras'],
  codeVersion: '1',
  schedule: { cron: '0 6 * * 1-5' },
  freshness: { deadline: '0 8 * * 1-5' },
  checks: [
    sqlCheck({
      name: 'b_flat_energy_price_within_0.05_3.00',
      sql: `SELECT count(*) AS n FROM tarifas_gold WHERE subgrupo LIKE 'B%' AND posto IS NULL
              AND te_brl_kwh + tusd_brl_kwh NOT BETWEEN 0.05 AND 3.00`,
    }),
    sqlCheck({
      name: 'one_tariff_per_key_and_day',
      sql: `SELECT count(*) AS n FROM tarifas_gold a JOIN tarifas_gold b ON a.id < b.id
              AND a.distribuidora = b.distribuidora AND a.subgrupo = b.subgrupo AND a.modalidade = b.modalidade
              AND a.classe IS NOT DISTINCT FROM b.classe AND a.subclasse IS NOT DISTINCT FROM b.subclasse
              AND a.posto IS NOT DISTINCT FROM b.posto
              AND a.vigencia_start <= coalesce(b.vigencia_end, 'infinity'::date)
              AND b.vigencia_start <= coalesce(a.vigencia_end, 'infinity'::date)`,
    }),
  ],
  async materialize(ctx) {
    await replaceInTransaction(ctx.db, async (c) => {
      await c.query('DELETE FROM tarifas_gold');
      await c.query(
        `INSERT INTO tarifas_gold (distribuidora, subgrupo, modalidade, classe, subclasse, posto, vigencia_start,
         vigencia_end, reh, te_brl_kwh, tusd_brl_kwh, tusd_fio_b_brl_kwh, normalized_id, layout, source_file, line,
         source_hash)
       SELECT distribuidora, subgrupo, modalidade, classe, subclasse, posto, vigencia_start, vigencia_end, reh,
              coalesce(te, 0), coalesce(tusd, 0), tusd_fio_b, id, layout, source_file, line, source_hash
       FROM tarifas_normalized
       WHERE base_tarifaria = 'Tarifa de Aplicação' AND detalhe IS NULL AND acessante IS NULL AND unit = 'kWh'`,
      );
    });
    const { rows } = await ctx.db.query<{ n: number; d: number; fp: string | null }>(
      `SELECT count(*)::int AS n, count(DISTINCT distribuidora)::int AS d,
              md5(string_agg(concat_ws('|', distribuidora, subgrupo, modalidade, classe, subclasse, posto, vigencia_start,
                vigencia_end, reh, te_brl_kwh, tusd_brl_kwh, tusd_fio_b_brl_kwh, source_file, line), ',' ORDER BY
                distribuidora, subgrupo, modalidade, classe, subclasse, posto, vigencia_start)) AS fp
       FROM tarifas_gold`,
    );
    const r = rows[0] ?? { n: 0, d: 0, fp: null };
    return {
      rowCount: r.n,
      fingerprint: versionHash('tarifas_gold', r.fp),
      metadata: { distribuidoras: r.d },
    };
  },
});
