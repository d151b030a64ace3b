import { SingleBar, Presets } from 'cli-progress';
import type { Queryable } from '@ysh/common/db';
import { getRun } from '../engine/run-store.ts';
import type { RunRow } from '../engine/run-store.ts';

interface Counts {
  total: number;
  done: number;
  running: string[];
  failed: number;
}

async function counts(db: Queryable, runId: string): Promise<Counts> {
  const { rows } = await db.query<{ asset_key: string; partition_key: string; status: string }>(
    'SELECT asset_key, partition_key, status FROM job_steps WHERE run_id = $1',
    [runId],
  );
  const done = rows.filter((r) => !['pending', 'queued', 'running'].includes(r.status)).length;
  return {
    total: rows.length,
    done,
    running: rows
      .filter((r) => r.status === 'running')
      .map((r) => r.asset_key + (r.partition_key ? `[${r.partition_key}]` : '')),
    failed: rows.filter((r) => r.status === 'failed' || r.status === 'blocked').length,
  };
}

/**
 * Waits for a run to finish, showing its steps: a progress bar on a terminal,
 * one JSON line per change otherwise (for logs and scripts).
 */
export async function followRun(
  db: Queryable,
  runId: string,
  o: { tty: boolean; write: (s: string) => void; pollMs?: number; signal?: AbortSignal },
): Promise<RunRow> {
  const bar = o.tty
    ? new SingleBar({ format: ' {bar} {value}/{total} steps | {running}', hideCursor: true }, Presets.shades_classic)
    : undefined;
  let last = '';
  let started = false;
  for (;;) {
    const c = await counts(db, runId);
    const run = await getRun(db, runId);
    if (bar) {
      if (!started) bar.start(c.total, c.done, { running: '' });
      started = true;
      bar.update(c.done, { running: c.running.join(', ') });
    } else {
      const line = JSON.stringify({
        run: runId,
        status: run.status,
        done: c.done,
        total: c.total,
        failed: c.failed,
        running: c.running,
      });
      if (line !== last) o.write(`${line}\n`);
      last = line;
    }
    if (run.finished_at) {
      bar?.stop();
      return run;
    }
    if (o.signal?.aborted) {
      bar?.stop();
      return run;
    }
    await new Promise((r) => setTimeout(r, o.pollMs ?? 250));
  }
}
