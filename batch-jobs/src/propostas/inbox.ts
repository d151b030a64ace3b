/**
 * The quote inbox: CSV files dropped into <inbox>/propostas (sensor `propostas_inbox`) become
 * proposals, one per row, each validated and made exactly as `ysh proposta new` does (parseQuote's validation →
 * makeProposal), with origin `inbox:<file>`.
 *
 * - A file is processed once: `propostas_inbox_files` keeps each file's content hash; the same
 *   content again (re-dropped, or copied under another name) is skipped. An edited file is read
 *   again, and of its rows only those that changed are made again (`propostas_inbox_rows` keeps
 *   each row's hash and what it became).
 * - The proposal id is the row's `id` column, else `csv-<file>-<line>`: a row made twice updates
 *   one proposal, never adds a second.
 * - A bad row never stops the others: it is rejected with one line per bad field (file, row,
 *   column, what was expected), logged as a step warning, listed in the materialization's metadata
 *   and, while its file is in the inbox, by the warning check `rejected_quote_rows`.
 * - A passing failure (NASA POWER down) leaves the row and its file unprocessed and fails the step
 *   as retriable once the other rows are done; the retry makes only what is missing.
 */
import { join } from 'node:path';
import { YshError } from '@ysh/common';
import type { Queryable } from '@ysh/common/db';
import { customCheck } from '../checks/builders.ts';
import { JobsError, transient } from '../errors.ts';
import { defineAsset } from '../graph/asset.ts';
import { readSourceFiles, type SourceFile } from '../parsing/raw-table.ts';
import { defineSensor, type SensorDef } from '../sensors/file-sensor.ts';
import { tariffSource } from '../tarifas/lookup.ts';
import type { TaxTable } from '../tarifas/taxes.ts';
import { versionHash } from '../versions/data-version.ts';
import type { PropostasConfig } from './config.ts';
import type { FieldError } from './field-errors.ts';
import type { Geocoder } from './geocoder.ts';
import { configuredGeocoder, makeProposal } from './make.ts';
import { type Quote, quoteErrorFields, quoteFieldErrors } from './quote.ts';
import { type QuoteCsv, type QuoteRow, readQuoteCsv, rowErrorLines } from './quote-csv.ts';

export const PROPOSTAS_INBOX_ASSET = 'propostas_inbox';
const CSV = /\.csv$/i;
/** rows listed in a materialization's metadata and in the check's details */
const LISTED = 200;

/** Where quote CSVs are dropped: <inbox>/propostas. */
export const propostasInboxDir = (inboxDir: string) => join(inboxDir, 'propostas');

export interface InboxOptions {
  /** the folder read (propostasInboxDir) */
  dir: string;
  config: PropostasConfig;
  /** ICMS/PIS/COFINS of the tariff lookup (the jobs config's YSH_TARIFA_TAXES) */
  taxes?: TaxTable;
  /** for rows with a city and no lat/lon (default: the configured Nominatim) */
  geocoder?: Geocoder;
}

export interface RejectedRow {
  file: string;
  line: number;
  errors: string[];
}

type Outcome = { made: string } | { rejected: string[] } | { later: string };

/** The error codes that name a quote field; other non-retriable errors (sizing) are about the whole row. */
const ERROR_PATHS: Partial<Record<string, string>> = {
  JOBS_TARIFF_NOT_FOUND: '/distribuidora',
  JOBS_TARIFF_TAXES_UNKNOWN: '/distribuidora',
};

async function fileState(
  db: Queryable,
  f: SourceFile,
): Promise<{ state: 'new' } | { state: 'processed' } | { state: 'duplicate'; of: string }> {
  const { rows } = await db.query<{ file_name: string }>(
    `SELECT file_name FROM propostas_inbox_files WHERE sha256 = $1
     ORDER BY file_name = $2 DESC, processed_at LIMIT 1`,
    [f.sha256, f.name],
  );
  const r = rows[0];
  if (!r) return { state: 'new' };
  if (r.file_name === f.name) return { state: 'processed' };
  return { state: 'duplicate', of: r.file_name };
}

async function rowLedger(db: Queryable, file: string): Promise<Map<number, { sha: string; made: boolean }>> {
  const { rows } = await db.query<{ line: number; row_sha256: string; proposal_id: string | null }>(
    'SELECT line, row_sha256, proposal_id FROM propostas_inbox_rows WHERE file_name = $1',
    [file],
  );
  return new Map(rows.map((r) => [r.line, { sha: r.row_sha256, made: r.proposal_id !== null }]));
}

async function recordRow(
  db: Queryable,
  file: string,
  row: Pick<QuoteRow, 'line' | 'sha256'>,
  o: { made: string } | { rejected: string[] },
) {
  await db.query(
    `INSERT INTO propostas_inbox_rows (file_name, line, row_sha256, proposal_id, errors) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (file_name, line) DO UPDATE SET row_sha256 = EXCLUDED.row_sha256, proposal_id = EXCLUDED.proposal_id,
       errors = EXCLUDED.errors, processed_at = now()`,
    [file, row.line, row.sha256, 'made' in o ? o.made : null, 'rejected' in o ? JSON.stringify(o.rejected) : null],
  );
}

async function markProcessed(db: Queryable, f: SourceFile): Promise<void> {
  await db.query(
    `INSERT INTO propostas_inbox_files (file_name, sha256) VALUES ($1, $2)
     ON CONFLICT (file_name) DO UPDATE SET sha256 = EXCLUDED.sha256, processed_at = now(), removed_at = NULL`,
    [f.name, f.sha256],
  );
}

/** Rows rejected in files still in the inbox (line 0: the whole file). */
export async function openRejections(db: Queryable, limit = 100): Promise<{ total: number; rows: RejectedRow[] }> {
  const { rows } = await db.query<{ file_name: string; line: number; errors: string[]; total: number }>(
    `SELECT r.file_name, r.line, r.errors, count(*) OVER ()::int AS total
     FROM propostas_inbox_rows r JOIN propostas_inbox_files f ON f.file_name = r.file_name
     WHERE r.errors IS NOT NULL AND f.removed_at IS NULL
     ORDER BY r.file_name, r.line LIMIT $1`,
    [limit],
  );
  return { total: rows[0]?.total ?? 0, rows: rows.map((r) => ({ file: r.file_name, line: r.line, errors: r.errors })) };
}

export function propostasInbox(o: InboxOptions) {
  const submit = async (
    csv: QuoteCsv,
    file: string,
    row: QuoteRow,
    make: (quote: Quote) => Promise<string>,
  ): Promise<Outcome> => {
    const reject = (errors: FieldError[]): Outcome => ({ rejected: rowErrorLines(csv, file, row, errors) });
    // the same validation as `ysh proposta new` (parseQuote), after what the CSV itself could not say
    const taken = new Set(row.errors.map((e) => e.path));
    const errors = [...row.errors, ...quoteFieldErrors(row.quote).filter((e) => !taken.has(e.path))];
    if (errors.length > 0) return reject(errors);
    try {
      return { made: await make(row.quote as Quote) };
    } catch (err) {
      if (err instanceof YshError && err.retriable) return { later: err.message };
      if (err instanceof JobsError && err.code === 'JOBS_QUOTE_INVALID') return reject(quoteErrorFields(err));
      if (err instanceof YshError) return reject([{ path: ERROR_PATHS[err.code] ?? '', message: err.message }]);
      throw err;
    }
  };

  return defineAsset({
    key: PROPOSTAS_INBOX_ASSET,
    layer: 'raw',
    description: `Quotes (CSV, one per row) dropped into ${o.dir}, each made into a proposal as ysh proposta new does`,
    deps: [],
    codeVersion: '1',
    checks: [
      customCheck({
        name: 'rejected_quote_rows',
        severity: 'warn',
        async run(ctx) {
          const { total, rows } = await openRejections(ctx.db, LISTED);
          return { passed: total === 0, details: { rejectedRows: total, rows } };
        },
      }),
    ],
    observe: async () => {
      const { files } = await readSourceFiles(o.dir, CSV);
      return versionHash(
        'propostas_inbox',
        files.map((f) => [f.name, f.sha256]),
      );
    },
    async materialize(ctx) {
      const { files, duplicates } = await readSourceFiles(o.dir, CSV);
      const geocoder = o.geocoder ?? configuredGeocoder(o.config);
      const tariffs = tariffSource(ctx.db, o.taxes ? { taxes: o.taxes } : {});
      const skipped: Array<{ file: string; reason: string }> = duplicates.map((d) => ({
        file: d.name,
        reason: `identical to ${d.sameAs}`,
      }));
      const made: Array<{ file: string; line: number; id: string }> = [];
      const rejected: RejectedRow[] = [];
      const later: Array<{ file: string; line: number; error: string }> = [];
      let unchangedRows = 0;
      for (const [i, f] of files.entries()) {
        ctx.signal.throwIfAborted();
        ctx.progress(i, files.length, f.name);
        const seen = await fileState(ctx.db, f);
        if (seen.state === 'processed') continue;
        if (seen.state === 'duplicate') {
          skipped.push({ file: f.name, reason: `identical to ${seen.of}, already processed` });
          ctx.log.warn('quote file identical to one already processed, skipped', { file: f.name, sameAs: seen.of });
          continue;
        }
        const csv = readQuoteCsv(f.bytes, f.name);
        if (csv.unreadable) {
          // the whole file is one rejection, recorded as its line 0
          const whole = { line: 0, sha256: f.sha256 };
          await ctx.db.query('DELETE FROM propostas_inbox_rows WHERE file_name = $1', [f.name]);
          await recordRow(ctx.db, f.name, whole, { rejected: [csv.unreadable] });
          rejected.push({ file: f.name, line: 0, errors: [csv.unreadable] });
          ctx.log.warn(`quote file rejected: ${csv.unreadable}`, { file: f.name });
          await markProcessed(ctx.db, f);
          continue;
        }
        if (csv.ignored.length > 0)
          ctx.log.warn('quote file columns not in the layout, ignored', { file: f.name, columns: csv.ignored });
        const ledger = await rowLedger(ctx.db, f.name);
        const make = async (quote: Quote) => {
          const p = await makeProposal(ctx.db, quote, {
            config: o.config,
            origin: `inbox:${f.name}`,
            tariffSource: tariffs,
            geocoder,
            warn: (m) => ctx.log.warn(m, { file: f.name }),
          });
          return p.id;
        };
        let waiting = 0;
        for (const row of csv.rows) {
          ctx.signal.throwIfAborted();
          const before = ledger.get(row.line);
          if (before?.made && before.sha === row.sha256) {
            unchangedRows++;
            continue;
          }
          const out = await submit(csv, f.name, row, make);
          if ('later' in out) {
            waiting++;
            later.push({ file: f.name, line: row.line, error: out.later });
            ctx.log.warn('quote row not made yet (passing failure), retried with the step', {
              file: f.name,
              line: row.line,
              error: out.later,
            });
            continue;
          }
          await recordRow(ctx.db, f.name, row, out);
          if ('made' in out) made.push({ file: f.name, line: row.line, id: out.made });
          else {
            rejected.push({ file: f.name, line: row.line, errors: out.rejected });
            ctx.log.warn(`quote row rejected: ${out.rejected.join('; ')}`, {
              file: f.name,
              line: row.line,
              errors: out.rejected,
            });
          }
        }
        await ctx.db.query('DELETE FROM propostas_inbox_rows WHERE file_name = $1 AND NOT (line = ANY($2::int[]))', [
          f.name,
          csv.rows.map((r) => r.line),
        ]);
        if (waiting === 0) await markProcessed(ctx.db, f);
      }
      await ctx.db.query(
        `UPDATE propostas_inbox_files SET removed_at = now() WHERE removed_at IS NULL AND NOT (file_name = ANY($1::text[]))`,
        [files.map((f) => f.name)],
      );
      ctx.progress(files.length, files.length);
      if (later.length > 0)
        throw transient(
          `${later.length} quote row(s) could not be made for a passing reason; the others are done: ${later
            .map((l) => `${l.file} linha ${l.line}: ${l.error}`)
            .join('; ')}`,
        );
      const { rows: ledger } = await ctx.db.query<{ f: string | null; n: number }>(
        `SELECT md5(string_agg(concat_ws('|', file_name, line, row_sha256, proposal_id, errors::text), ',' ORDER BY file_name, line)) AS f,
                count(*) FILTER (WHERE proposal_id IS NOT NULL)::int AS n
         FROM propostas_inbox_rows`,
      );
      ctx.log.info('quote inbox read', { made: made.length, rejected: rejected.length, unchangedRows });
      return {
        rowCount: ledger[0]?.n ?? 0,
        fingerprint: versionHash('propostas_inbox', ledger[0]?.f ?? null),
        // the lists are cut at LISTED rows (the counts are whole); the step log has every rejection
        metadata: {
          madeCount: made.length,
          rejectedCount: rejected.length,
          made: made.slice(0, LISTED),
          rejected: rejected.slice(0, LISTED),
          unchangedRows,
          skipped,
        },
      };
    },
  });
}

/** The inbox asset and its sensor (every new or changed CSV of <inbox>/propostas starts a run). */
export function propostasInboxDefinitions(o: Omit<InboxOptions, 'dir'> & { inboxDir: string }): {
  assets: ReturnType<typeof propostasInbox>[];
  sensors: SensorDef[];
} {
  const dir = propostasInboxDir(o.inboxDir);
  return {
    assets: [propostasInbox({ ...o, dir })],
    sensors: [
      defineSensor({ name: 'propostas_inbox', kind: 'files', dir, pattern: CSV, assets: [PROPOSTAS_INBOX_ASSET] }),
    ],
  };
}
