import { Type } from '@sinclair/typebox';
import { JobsError } from '../errors.ts';
import { defineAsset } from '../graph/asset.ts';
import { readDelimited } from '../parsing/csv.ts';
import { decodeText } from '../parsing/numbers.ts';
import {
  dropMissingFiles,
  type RawLine,
  readSourceFiles,
  type SourceFile,
  writeRawFile,
} from '../parsing/raw-table.ts';
import { versionHash } from '../versions/data-version.ts';
import { fetchAneel } from './fetcher.ts';
import { layoutOfHeader, type TariffLayout } from './layouts.ts';

const FILES = /\.(csv|json)$/i;

/** The rows of one ANEEL file and its layout: CSV by header, JSON as datastore records. */
export function parseTariffFile(f: Pick<SourceFile, 'name' | 'bytes'>): { layout: TariffLayout; rows: RawLine[] } {
  if (/\.json$/i.test(f.name)) {
    let doc: unknown;
    try {
      doc = JSON.parse(decodeText(f.bytes).text);
    } catch (err) {
      throw new JobsError('JOBS_MATERIALIZE_FAILED', `${f.name}: not JSON (${(err as Error).message})`);
    }
    // A bare array of records, or a whole datastore_search answer.
    const records = Array.isArray(doc)
      ? doc
      : ((doc as { result?: { records?: unknown } })?.result?.records ?? (doc as { records?: unknown })?.records);
    if (!Array.isArray(records))
      throw new JobsError(
        'JOBS_MATERIALIZE_FAILED',
        `${f.name}: no datastore records (expected an array or result.records)`,
      );
    return {
      layout: 'datastore-json',
      rows: records
        .filter((r): r is Record<string, unknown> => typeof r === 'object' && r !== null && !Array.isArray(r))
        .map((r, i) => {
          const { _full_text: _, ...rest } = r;
          return { line: i + 1, record: rest };
        }),
    };
  }
  const parsed = readDelimited(f.bytes);
  const layout = layoutOfHeader(parsed.header);
  if (!layout)
    throw new JobsError(
      'JOBS_MATERIALIZE_FAILED',
      `${f.name}: unknown layout (header ${parsed.header.slice(0, 6).join(parsed.delimiter)}…)`,
    );
  return { layout, rows: parsed.rows };
}

export const tarifasRawConfig = Type.Object(
  {
    /** Fetch from the ANEEL portal before reading the inbox ('inbox' = read only what is there). */
    fetch: Type.Union([Type.Literal('inbox'), Type.Literal('datastore'), Type.Literal('csv')]),
    portal_url: Type.String({ minLength: 1 }),
    /** datastore mode: only these distribuidoras (SigAgente), one filtered query each; empty = all */
    distribuidoras: Type.Array(Type.String()),
    page_size: Type.Integer({ minimum: 1, maximum: 32000 }),
    retries: Type.Integer({ minimum: 0, maximum: 10 }),
  },
  { additionalProperties: false },
);

/**
 * raw: every ANEEL file in <inbox>/aneel (official CSV, datastore JSON, scraped layout,
 * bandeiras CSV), one row per line or record with its layout. With `fetch` set, the portal is
 * read first into the inbox; when it cannot be reached the step goes on with the inbox (and says so).
 */
export function tarifasRaw(aneelDir: string) {
  return defineAsset({
    key: 'tarifas_raw',
    layer: 'raw',
    description: `ANEEL tariffs and bandeiras as published (files in ${aneelDir}, optionally fetched first)`,
    deps: [],
    codeVersion: '1',
    config: {
      schema: tarifasRawConfig,
      defaults: {
        fetch: 'inbox',
        portal_url: 'https://dadosabertos.aneel.gov.br',
        distribuidoras: [],
        page_size: 5000,
        retries: 3,
      },
    },
    freshness: { deadline: '0 8 * * 1-5' },
    observe: async () => {
      const { files } = await readSourceFiles(aneelDir, FILES);
      return versionHash(
        'aneel',
        files.map((f) => [f.name, f.sha256]),
      );
    },
    async materialize(ctx) {
      let fetched: string[] = [];
      if (ctx.config.fetch !== 'inbox') {
        try {
          fetched = await fetchAneel({
            mode: ctx.config.fetch,
            portalUrl: ctx.config.portal_url,
            dir: aneelDir,
            distribuidoras: ctx.config.distribuidoras,
            pageSize: ctx.config.page_size,
            retries: ctx.config.retries,
            signal: ctx.signal,
            log: ctx.log,
          });
        } catch (err) {
          ctx.log.warn('ANEEL portal not reachable; reading the inbox as it is', { error: (err as Error).message });
        }
      }
      const { files, duplicates } = await readSourceFiles(aneelDir, FILES);
      for (const d of duplicates) ctx.log.warn('file identical to an earlier one, skipped', d);
      const byLayout: Record<string, number> = {};
      let rows = 0;
      for (const [i, f] of files.entries()) {
        ctx.signal.throwIfAborted();
        const parsed = parseTariffFile(f);
        await writeRawFile(ctx.db, 'tarifas_raw', f, parsed.rows, { layout: parsed.layout });
        byLayout[parsed.layout] = (byLayout[parsed.layout] ?? 0) + parsed.rows.length;
        rows += parsed.rows.length;
        ctx.progress(i + 1, files.length, f.name);
      }
      await dropMissingFiles(
        ctx.db,
        'tarifas_raw',
        files.map((f) => f.name),
      );
      return {
        rowCount: rows,
        fingerprint: versionHash(
          'aneel',
          files.map((f) => [f.name, f.sha256]),
        ),
        metadata: { files: files.map((f) => f.name), fetched, byLayout },
      };
    },
  });
}
