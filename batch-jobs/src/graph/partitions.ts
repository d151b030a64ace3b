import { JobsError } from '../errors.ts';
import type { PartitionsDef } from './asset.ts';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MONTH = /^\d{4}-\d{2}$/;

function parseDay(text: string, what: string): Date {
  const d = new Date(`${text}T00:00:00Z`);
  if (!DAY.test(text) || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== text)
    throw new JobsError('JOBS_PARTITION_INVALID', `${what}: expected a date YYYY-MM-DD, got ${JSON.stringify(text)}`);
  return d;
}

/** Normalises a partition key for `def`, or throws naming what was expected. */
export function checkPartition(assetKey: string, def: PartitionsDef | undefined, key: string | undefined): string {
  if (!def) {
    if (key !== undefined && key !== '')
      throw new JobsError('JOBS_PARTITION_INVALID', `asset ${assetKey} is not partitioned, got partition ${key}`);
    return '';
  }
  if (key === undefined || key === '')
    throw new JobsError('JOBS_PARTITION_INVALID', `asset ${assetKey} is partitioned ${def.kind}: name a partition`);
  const ok = def.kind === 'daily' ? DAY.test(key) : MONTH.test(key);
  if (!ok)
    throw new JobsError(
      'JOBS_PARTITION_INVALID',
      `asset ${assetKey}: a ${def.kind} partition is ${def.kind === 'daily' ? 'YYYY-MM-DD' : 'YYYY-MM'}, got ${JSON.stringify(key)}`,
    );
  if (def.kind === 'daily') parseDay(key, `asset ${assetKey} partition`);
  else parseDay(`${key}-01`, `asset ${assetKey} partition`);
  const start = def.kind === 'daily' ? def.start : def.start.slice(0, 7);
  if (key < start)
    throw new JobsError('JOBS_PARTITION_INVALID', `asset ${assetKey}: partition ${key} is before its start ${start}`);
  return key;
}

/** Every partition key from `from` to `to` inclusive (dates or months, as the asset's kind). */
export function partitionRange(assetKey: string, def: PartitionsDef | undefined, from: string, to: string): string[] {
  if (!def) throw new JobsError('JOBS_PARTITION_INVALID', `asset ${assetKey} is not partitioned`);
  const a = checkPartition(assetKey, def, from);
  const b = checkPartition(assetKey, def, to);
  if (a > b) throw new JobsError('JOBS_PARTITION_INVALID', `--from ${from} is after --to ${to}`);
  const out: string[] = [];
  const d = parseDay(def.kind === 'daily' ? a : `${a}-01`, 'from');
  for (let i = 0; i < 100_000; i++) {
    const key = def.kind === 'daily' ? d.toISOString().slice(0, 10) : d.toISOString().slice(0, 7);
    if (key > b) break;
    out.push(key);
    if (def.kind === 'daily') d.setUTCDate(d.getUTCDate() + 1);
    else d.setUTCMonth(d.getUTCMonth() + 1);
  }
  return out;
}
