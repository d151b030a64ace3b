import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { inTransaction, type Pool, type Queryable } from '@ysh/common/db';
import { JobsError } from '../errors.ts';

export interface SourceFile {
  /** file name as stored in source_file */
  name: string;
  path: string;
  bytes: Buffer;
  sha256: string;
}

/**
 * The files of `dir` matching `pattern`, sorted by name, with their content hash. A file whose
 * content equals an older one (a supplier sending the same export twice under a new name) is
 * reported in `duplicates` and left out, so it cannot add the same rows again.
 */
export async function readSourceFiles(
  dir: string,
  pattern: RegExp,
): Promise<{ files: SourceFile[]; duplicates: Array<{ name: string; sameAs: string }> }> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { files: [], duplicates: [] };
    throw new JobsError('JOBS_SOURCE_UNREADABLE', `cannot read ${dir}: ${(err as Error).message}`, { cause: err });
  }
  const found: Array<SourceFile & { mtimeMs: number }> = [];
  for (const name of names) {
    if (name.startsWith('.') || !pattern.test(name)) continue;
    const path = join(dir, name);
    const st = await stat(path);
    if (!st.isFile()) continue;
    const bytes = await readFile(path);
    found.push({ name, path, bytes, sha256: createHash('sha256').update(bytes).digest('hex'), mtimeMs: st.mtimeMs });
  }
  // Of identical files the one that was there first is the original, whatever the copy is called.
  const byAge = [...found].sort((a, b) => a.mtimeMs - b.mtimeMs || a.name.localeCompare(b.name));
  const original = new Map<string, string>();
  for (const f of byAge) if (!original.has(f.sha256)) original.set(f.sha256, f.name);
  const files: SourceFile[] = [];
  const duplicates: Array<{ name: string; sameAs: string }> = [];
  for (const { mtimeMs: _, ...f } of found) {
    const first = original.get(f.sha256) as string;
    if (first === f.name) files.push(f);
    else duplicates.push({ name: f.name, sameAs: first });
  }
  return { files, duplicates };
}

export interface RawLine {
  line: number;
  record: Record<string, unknown>;
}

/**
 * Writes one file's rows into a raw table keyed by (source_file, line): unchanged rows are not
 * touched, changed ones are updated, lines past the file's new end deleted. `extra` are constant
 * columns of the file (e.g. layout, encoding). Idempotent, so a retried step is harmless.
 */
export async function writeRawFile(
  db: Queryable,
  table: string,
  file: { name: string; sha256: string },
  rows: readonly RawLine[],
  extra: Record<string, string>,
): Promise<void> {
  const cols = Object.keys(extra);
  const extraCols = cols.map((c) => `, ${c}`).join('');
  const extraVals = cols.map((_, i) => `, $${i + 5}`).join('');
  const extraSet = cols.map((c) => `, ${c} = EXCLUDED.${c}`).join('');
  const lines = rows.map((r) => r.line);
  const records = rows.map((r) => JSON.stringify(r.record));
  await db.query(
    `INSERT INTO ${table} (source_file, line, file_sha256, record${extraCols})
     SELECT $1, n, $2, r::jsonb${extraVals} FROM unnest($3::int[], $4::text[]) AS t(n, r)
     ON CONFLICT (source_file, line) DO UPDATE SET file_sha256 = EXCLUDED.file_sha256, record = EXCLUDED.record,
       loaded_at = now()${extraSet}
     WHERE ${table}.record IS DISTINCT FROM EXCLUDED.record OR ${table}.file_sha256 IS DISTINCT FROM EXCLUDED.file_sha256`,
    [file.name, file.sha256, lines, records, ...cols.map((c) => extra[c])],
  );
  await db.query(`DELETE FROM ${table} WHERE source_file = $1 AND NOT (line = ANY($2::int[]))`, [file.name, lines]);
}

/** Deletes the rows of files no longer present. */
export async function dropMissingFiles(db: Queryable, table: string, names: readonly string[], where = 'TRUE') {
  await db.query(`DELETE FROM ${table} WHERE ${where} AND NOT (source_file = ANY($1::text[]))`, [names]);
}

/**
 * Runs `fn` in one transaction when `db` is a pool (readers see the old or the new table, never
 * half), or directly on a client the caller already manages.
 */
export async function replaceInTransaction<T>(db: Queryable, fn: (c: Queryable) => Promise<T>): Promise<T> {
  if ('connect' in db && typeof db.connect === 'function' && !('release' in db)) return inTransaction(db as Pool, fn);
  return fn(db);
}
