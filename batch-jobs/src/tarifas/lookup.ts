import type { Queryable } from '@ysh/common/db';
import { JobsError } from '../errors.ts';
import { parseDate } from '../parsing/numbers.ts';
import { DEFAULT_TAXES, grossUp, type TaxTable, taxesFor } from './taxes.ts';
import type { TariffQuery, TariffQuote, TariffSource } from './tariff-quote.ts';

export interface LookupOptions {
  taxes?: TaxTable;
  /** "today" when the query has no date (default: the date in America/Sao_Paulo now) */
  today?: string;
}

/** Today's date in America/Sao_Paulo as YYYY-MM-DD. */
export function todayInSaoPaulo(now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Sao_Paulo' }).format(now);
}

interface GoldRow {
  distribuidora: string;
  subgrupo: string;
  modalidade: string;
  classe: string | null;
  subclasse: string | null;
  posto: string | null;
  vigencia_start: string;
  vigencia_end: string | null;
  reh: string;
  te: string;
  tusd: string;
  fio_b: string | null;
  source_file: string;
  line: number;
  source_hash: string;
}

/**
 * The tariff in force for (distribuidora, subgrupo, modalidade, classe) on a date, from
 * tarifas_gold: TE, TUSD (and Fio B where the source has it), the bandeira of that month, and the
 * all-in price grossed up for ICMS/PIS/COFINS, with the REH, file and line it came from. Where a
 * classe has several subclasses the one named like the classe wins (Residencial, not Baixa Renda);
 * with time-of-use postos (Branca) the off-peak one is quoted. A row without classe (ANEEL's "Não se
 * aplica", as for B3) applies to every classe of its subgrupo; one naming the classe wins. No tariff in force is
 * JOBS_TARIFF_NOT_FOUND, with what exists in the message.
 */
export async function lookupTariff(
  db: Queryable,
  query: TariffQuery,
  options: LookupOptions = {},
): Promise<TariffQuote> {
  const distribuidora = query.distribuidora?.trim();
  const subgrupo = query.subgrupo?.trim().toUpperCase();
  if (!distribuidora) throw new JobsError('JOBS_TARIFF_QUERY_INVALID', 'distribuidora is required');
  if (!subgrupo) throw new JobsError('JOBS_TARIFF_QUERY_INVALID', 'subgrupo is required (e.g. B1)');
  const modalidade = query.modalidade?.trim() || 'Convencional';
  const classe = query.classe?.trim() || 'Residencial';
  const date = query.date === undefined ? (options.today ?? todayInSaoPaulo()) : parseDate(query.date);
  if (!date || !/^\d{4}-\d{2}-\d{2}$/.test(query.date ?? date))
    throw new JobsError('JOBS_TARIFF_QUERY_INVALID', `date "${query.date}" is not a calendar date YYYY-MM-DD`);

  const { rows } = await db.query<GoldRow>(
    `SELECT distribuidora, subgrupo, modalidade, classe, subclasse, posto, vigencia_start::text, vigencia_end::text, reh,
            te_brl_kwh::text AS te, tusd_brl_kwh::text AS tusd, tusd_fio_b_brl_kwh::text AS fio_b, source_file, line,
            source_hash
     FROM tarifas_gold
     WHERE upper(distribuidora) = upper($1) AND upper(subgrupo) = $2 AND lower(modalidade) = lower($3)
       AND (lower(classe) = lower($4) OR classe IS NULL)
       AND vigencia_start <= $5::date AND coalesce(vigencia_end, 'infinity') >= $5::date
     ORDER BY (classe IS NOT NULL) DESC, (lower(subclasse) IS NOT DISTINCT FROM lower(classe)) DESC, (subclasse IS NULL) DESC,
              (posto IS NULL) DESC, (posto = 'Fora ponta') DESC, subclasse, posto, vigencia_start DESC
     LIMIT 1`,
    [distribuidora, subgrupo, modalidade, classe, date],
  );
  const t = rows[0];
  if (!t) throw await notFound(db, { distribuidora, subgrupo, modalidade, classe, date });

  const taxes = taxesFor(t.distribuidora, options.taxes ?? DEFAULT_TAXES);
  const { rows: flags } = await db.query<{ competencia: string; name: string; add: string }>(
    `SELECT competencia::text, name, add_brl_kwh::text AS add FROM bandeiras
     WHERE competencia = date_trunc('month', $1::date)::date`,
    [date],
  );
  const flag = flags[0];
  const te = Number(t.te);
  const tusd = Number(t.tusd);
  const add = flag ? Number(flag.add) : 0;
  return {
    distribuidora: t.distribuidora,
    subgrupo: t.subgrupo,
    modalidade: t.modalidade,
    classe: t.classe ?? classe,
    date,
    vigenciaStart: t.vigencia_start,
    vigenciaEnd: t.vigencia_end,
    teBrlPerKwh: te,
    tusdBrlPerKwh: tusd,
    tusdFioBBrlPerKwh: t.fio_b === null ? null : Number(t.fio_b),
    bandeira: flag ? { competencia: flag.competencia.slice(0, 7), name: flag.name, addBrlPerKwh: add } : null,
    taxes,
    allInBrlPerKwh: grossUp(te + tusd + add, taxes),
    provenance: { reh: t.reh, file: t.source_file, line: t.line, sourceHash: t.source_hash },
  };
}

async function notFound(
  db: Queryable,
  q: { distribuidora: string; subgrupo: string; modalidade: string; classe: string; date: string },
): Promise<JobsError> {
  const { rows: known } = await db.query<{ distribuidora: string }>(
    'SELECT DISTINCT distribuidora FROM tarifas_gold WHERE upper(distribuidora) = upper($1)',
    [q.distribuidora],
  );
  if (known.length === 0) {
    const { rows: like } = await db.query<{ distribuidora: string }>(
      `SELECT DISTINCT distribuidora FROM tarifas_gold WHERE distribuidora ILIKE $1 ORDER BY 1 LIMIT 8`,
      [`%${q.distribuidora.slice(0, 4).replace(/[\\%_]/g, (c) => `\\${c}`)}%`],
    );
    return new JobsError(
      'JOBS_TARIFF_NOT_FOUND',
      `no tariffs for distribuidora "${q.distribuidora}"${like.length ? ` (known: ${like.map((r) => r.distribuidora).join(', ')})` : ''}`,
    );
  }
  const { rows } = await db.query<{ modalidade: string; classe: string | null; vig: string }>(
    `SELECT modalidade, classe, string_agg(DISTINCT vigencia_start::text || '..' || coalesce(vigencia_end::text, ''), ', ') AS vig
     FROM tarifas_gold WHERE upper(distribuidora) = upper($1) AND upper(subgrupo) = $2
     GROUP BY modalidade, classe ORDER BY 1, 2 LIMIT 12`,
    [q.distribuidora, q.subgrupo],
  );
  const have = rows.map((r) => `${r.modalidade}/${r.classe ?? '-'} [${r.vig}]`).join('; ');
  return new JobsError(
    'JOBS_TARIFF_NOT_FOUND',
    `no ${q.subgrupo} ${q.modalidade}/${q.classe} tariff of ${q.distribuidora} in force on ${q.date}${have ? `; ${q.subgrupo} has: ${have}` : `; no ${q.subgrupo} tariffs at all`}`,
  );
}

/** A TariffSource over the gold table (what propostas use in production). */
export function tariffSource(db: Queryable, options: LookupOptions = {}): TariffSource {
  return (query) => lookupTariff(db, query, options);
}
