import { CronExpressionParser } from 'cron-parser';
import { JobsError } from '../errors.ts';

export const DEFAULT_TZ = 'America/Sao_Paulo';

function parse(expr: string, tz: string, at: number) {
  try {
    return CronExpressionParser.parse(expr, { tz, currentDate: new Date(at), strict: false });
  } catch (err) {
    throw new JobsError('JOBS_CRON_INVALID', `cron "${expr}" (${tz}): ${(err as Error).message}`, { cause: err });
  }
}

/** Throws JOBS_CRON_INVALID naming the expression and zone when either is wrong. */
export function validateCron(expr: string, tz = DEFAULT_TZ): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch (err) {
    throw new JobsError('JOBS_CRON_INVALID', `unknown time zone "${tz}" for cron "${expr}"`, { cause: err });
  }
  parse(expr, tz, Date.now());
}

/** The latest tick at or before `at` (ms), in the expression's time zone. */
export function previousTick(expr: string, tz: string, at: number): number {
  return parse(expr, tz, at + 1)
    .prev()
    .getTime();
}

/** The first tick strictly after `at`. */
export function nextTick(expr: string, tz: string, at: number): number {
  return parse(expr, tz, at).next().getTime();
}

/** Ticks in (from, to], oldest first, at most `limit` of the newest. */
export function ticksBetween(expr: string, tz: string, from: number, to: number, limit = 1000): number[] {
  const out: number[] = [];
  const it = parse(expr, tz, to + 1);
  while (out.length < limit) {
    const t = it.prev().getTime();
    if (t <= from) break;
    out.push(t);
  }
  return out.reverse();
}
