import { readDelimited } from '../parsing/csv.ts';
import { dropMissingFiles, readSourceFiles, writeRawFile } from '../parsing/raw-table.ts';
import { defineAsset } from '../graph/asset.ts';
import { versionHash } from '../versions/data-version.ts';
import { CEC_HEADER_LINES_AFTER_NAMES } from './cec.ts';

const CSV = /\.csv$/i;

/** The CEC source id of a file name: modules or inverters. */
export function cecSource(name: string): 'cec-modules' | 'cec-inverters' | undefined {
  if (/cec-modules/i.test(name)) return 'cec-modules';
  if (/cec-inverters/i.test(name)) return 'cec-inverters';
  return undefined;
}

/**
 * raw: the CEC module and inverter lists shipped in batch-jobs/data/catalog (SAM layout), one row
 * per data line, cells by column name. The fingerprint is the set of file hashes, so the same
 * files give the same data version.
 */
export function catalogCecRaw(cecDir: string) {
  return defineAsset({
    key: 'catalog_cec_raw',
    layer: 'raw',
    description: `CEC module and inverter lists (SAM library CSV) from ${cecDir}`,
    deps: [],
    codeVersion: '1',
    observe: async () => {
      const { files } = await readSourceFiles(cecDir, CSV);
      return versionHash(
        'cec',
        files.map((f) => [f.name, f.sha256]),
      );
    },
    async materialize(ctx) {
      const { files } = await readSourceFiles(cecDir, CSV);
      const loaded: string[] = [];
      let rows = 0;
      for (const [i, f] of files.entries()) {
        ctx.signal.throwIfAborted();
        const source = cecSource(f.name);
        if (!source) {
          ctx.log.warn('not a CEC module or inverter file, skipped', { file: f.name });
          continue;
        }
        const parsed = readDelimited(f.bytes, { skipAfterHeader: CEC_HEADER_LINES_AFTER_NAMES });
        await writeRawFile(ctx.db, 'catalog_cec_raw', f, parsed.rows, { source });
        loaded.push(f.name);
        rows += parsed.rows.length;
        ctx.progress(i + 1, files.length, f.name);
      }
      await dropMissingFiles(ctx.db, 'catalog_cec_raw', loaded);
      return {
        rowCount: rows,
        fingerprint: versionHash(
          'cec',
          files.map((f) => [f.name, f.sha256]),
        ),
        metadata: { files: loaded },
      };
    },
  });
}

/**
 * raw: supplier feeds dropped into the catalog inbox (CSV in any of the shapes of the README),
 * decoded (UTF-8 or Windows-1252) and split on the detected delimiter, one row per line with the
 * cells by header as written. A file identical to an earlier one is skipped.
 */
export function catalogFeedsRaw(feedsDir: string) {
  return defineAsset({
    key: 'catalog_feeds_raw',
    layer: 'raw',
    description: `Supplier feeds (CSV) dropped into ${feedsDir}`,
    deps: [],
    codeVersion: '1',
    observe: async () => {
      const { files } = await readSourceFiles(feedsDir, CSV);
      return versionHash(
        'feeds',
        files.map((f) => [f.name, f.sha256]),
      );
    },
    async materialize(ctx) {
      const { files, duplicates } = await readSourceFiles(feedsDir, CSV);
      for (const d of duplicates) ctx.log.warn('feed identical to an earlier file, skipped', d);
      let rows = 0;
      for (const [i, f] of files.entries()) {
        ctx.signal.throwIfAborted();
        const parsed = readDelimited(f.bytes);
        await writeRawFile(ctx.db, 'catalog_feeds_raw', f, parsed.rows, {
          source: `feed:${f.name}`,
          encoding: parsed.encoding,
          delimiter: parsed.delimiter,
        });
        rows += parsed.rows.length;
        ctx.progress(i + 1, files.length, f.name);
      }
      await dropMissingFiles(
        ctx.db,
        'catalog_feeds_raw',
        files.map((f) => f.name),
      );
      return {
        rowCount: rows,
        fingerprint: versionHash(
          'feeds',
          files.map((f) => [f.name, f.sha256]),
        ),
        metadata: { files: files.map((f) => f.name), skippedDuplicates: duplicates },
      };
    },
  });
}
