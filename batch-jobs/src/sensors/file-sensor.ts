import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type PgBoss from 'pg-boss';
import type { Logger } from '@ysh/common';
import { inTransaction, type Pool } from '@ysh/common/db';
import { JobsError } from '../errors.ts';
import type { AssetGraph } from '../graph/asset-graph.ts';
import { planRun } from '../engine/plan.ts';
import { createRun, type StepJobPolicy } from '../engine/run-store.ts';

/** Watches a directory; new or changed files (by content hash) trigger a run of `assets`. */
export interface FileSensorDef {
  name: string;
  kind: 'files';
  /** The inbox directory (resolved from the jobs config when the graph is loaded). */
  dir: string;
  /** Only file names matching this (default: every regular file not starting with a dot). */
  pattern?: RegExp;
  assets: readonly string[];
  /** Also materialize what depends on the assets (default true). */
  downstream?: boolean;
}

export type SensorDef = FileSensorDef;

export function defineSensor(def: SensorDef): SensorDef {
  return Object.freeze({ ...def });
}

/** File name -> sha256 of its content. */
export type FileCursor = Record<string, string>;

export async function scanInbox(dir: string, pattern?: RegExp): Promise<FileCursor> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new JobsError('JOBS_SENSOR_FAILED', `cannot read inbox ${dir}: ${(err as Error).message}`, { cause: err });
  }
  const out: FileCursor = {};
  for (const name of names.sort()) {
    if (name.startsWith('.') || (pattern && !pattern.test(name))) continue;
    const path = join(dir, name);
    if (!(await stat(path)).isFile()) continue;
    out[name] = createHash('sha256')
      .update(await readFile(path))
      .digest('hex');
  }
  return out;
}

export interface SensorDeps {
  pool: Pool;
  boss: PgBoss;
  graph: AssetGraph;
  policy: StepJobPolicy;
  logger: Logger;
}

/**
 * One evaluation of a file sensor. The cursor row is locked while comparing
 * and updated in the transaction that creates the run, so of several workers
 * seeing the same new file exactly one triggers, and a restart does not
 * trigger again. While a run that has yet to materialize one of the sensor's
 * assets is under way, new files wait for the next tick (the cursor is not
 * advanced). Returns the run id when one was created.
 */
export async function evaluateFileSensor(d: SensorDeps, s: FileSensorDef): Promise<string | undefined> {
  const files = await scanInbox(s.dir, s.pattern);
  return inTransaction(d.pool, async (c) => {
    await c.query(`INSERT INTO job_sensor_cursors (sensor, cursor) VALUES ($1, '{}'::jsonb) ON CONFLICT DO NOTHING`, [
      s.name,
    ]);
    const { rows } = await c.query<{ cursor: FileCursor }>(
      'SELECT cursor FROM job_sensor_cursors WHERE sensor = $1 FOR UPDATE',
      [s.name],
    );
    const before = rows[0]?.cursor ?? {};
    const changed = Object.keys(files).filter((f) => before[f] !== files[f]);
    const removed = Object.keys(before).filter((f) => !(f in files));
    if (changed.length === 0 && removed.length === 0) return undefined;
    // A run that has yet to materialize one of the sensor's assets will read these files itself:
    // the sensor looks again at its next tick rather than run the same chain beside it.
    const { rows: busy } = await c.query<{ run_id: string }>(
      `SELECT s.run_id FROM job_steps s JOIN job_runs r ON r.id = s.run_id
       WHERE r.status IN ('queued', 'running') AND s.asset_key = ANY($1::text[])
         AND s.status IN ('pending', 'queued', 'running')
       LIMIT 1`,
      [s.assets],
    );
    if (busy[0]) {
      d.logger.debug(
        { sensor: s.name, files: changed, run: busy[0].run_id },
        'sensor: a run of its assets is under way; later',
      );
      return undefined;
    }
    await c.query('UPDATE job_sensor_cursors SET cursor = $2::jsonb, updated_at = now() WHERE sensor = $1', [
      s.name,
      JSON.stringify(files),
    ]);
    if (changed.length === 0) return undefined;
    const plan = planRun(d.graph, { assets: s.assets, downstream: s.downstream ?? true });
    const id = await createRun(c, d.boss, d.graph, d.policy, {
      trigger: 'sensor',
      requestedBy: `sensor:${s.name}`,
      plan,
      origin: { sensor: s.name, files: changed },
    });
    d.logger.info({ sensor: s.name, files: changed, run: id }, 'sensor: new or changed files, run created');
    return id;
  });
}
