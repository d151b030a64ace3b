import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineAsset } from '../graph/asset.ts';
import { scanInbox } from '../sensors/file-sensor.ts';
import { versionHash } from '../versions/data-version.ts';

export const CSV = /\.csv$/;

/**
 * raw: every line of every CSV file in the inbox, as read, keyed by (file,
 * line) so a re-run or a retried step rewrites the same rows. A file's lines
 * past its new end are removed when the file shrinks.
 */
export function demoMeterRaw(inboxDir: string) {
  return defineAsset({
    key: 'demo_meter_raw',
    layer: 'raw',
    description: `Meter CSV lines dropped into ${inboxDir}`,
    deps: [],
    codeVersion: '1',
    observe: async () => versionHash('inbox', await scanInbox(inboxDir, CSV)),
    async materialize(ctx) {
      const files = await scanInbox(inboxDir, CSV);
      const names = Object.keys(files);
      let rows = 0;
      for (const [i, name] of names.entries()) {
        ctx.signal.throwIfAborted();
        const lines = (await readFile(join(inboxDir, name), 'utf8')).split(/\r?\n/);
        while (lines.length > 0 && lines.at(-1) === '') lines.pop();
        await ctx.db.query(
          `INSERT INTO demo_meter_raw (source_file, line, file_sha256, content)
           SELECT $1, n, $2, c FROM unnest($3::int[], $4::text[]) AS t(n, c)
           ON CONFLICT (source_file, line) DO UPDATE SET file_sha256 = EXCLUDED.file_sha256, content = EXCLUDED.content,
             loaded_at = now()
           WHERE demo_meter_raw.content IS DISTINCT FROM EXCLUDED.content`,
          [name, files[name], lines.map((_, n) => n + 1), lines],
        );
        await ctx.db.query('DELETE FROM demo_meter_raw WHERE source_file = $1 AND line > $2', [name, lines.length]);
        rows += lines.length;
        ctx.progress(i + 1, names.length, name);
      }
      await ctx.db.query('DELETE FROM demo_meter_raw WHERE NOT (source_file = ANY($1::text[]))', [names]);
      ctx.log.info('inbox loaded', { files: names.length, lines: rows });
      return { rowCount: rows, fingerprint: ctx.sourceVersion, metadata: { files: names.length } };
    },
  });
}
