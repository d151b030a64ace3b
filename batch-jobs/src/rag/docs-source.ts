import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { StepLog } from '../graph/asset.ts';
import { DOC_PATTERN, parseDocument } from './parsers.ts';
import type { SourceDocument } from './types.ts';

/**
 * The documents inbox as RAG documents: every PDF, Markdown, HTML and DOCX file of the directory
 * (one level), the source id `docs:<file name>`. A file that cannot be parsed is logged and left
 * out of this run without stopping the others; its earlier chunks stay until it parses again or
 * is removed (a broken upload does not erase a good index).
 */
export interface DocsScan {
  documents: SourceDocument[];
  /** sources that failed to parse: their existing chunks are kept */
  failed: Array<{ source: string; error: string }>;
}

export async function docsDocuments(dir: string, log?: Pick<StepLog, 'warn'>): Promise<DocsScan> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { documents: [], failed: [] };
    throw err;
  }
  const out: DocsScan = { documents: [], failed: [] };
  for (const name of names) {
    if (name.startsWith('.') || !DOC_PATTERN.test(name)) continue;
    const path = join(dir, name);
    if (!(await stat(path)).isFile()) continue;
    const source = `docs:${name}`;
    try {
      const parsed = await parseDocument(name, await readFile(path));
      out.documents.push({ source, title: parsed.title || basename(name), blocks: parsed.blocks });
    } catch (err) {
      out.failed.push({ source, error: (err as Error).message });
      log?.warn('document left out of this run', { source, error: (err as Error).message });
    }
  }
  return out;
}
