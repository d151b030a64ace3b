import { applyTransitions, type AlertSeverity, type AlertTransition } from '@ysh/common/alerts';
import { inTransaction, type Pool, type Queryable } from '@ysh/common/db';

const isPool = (db: Queryable): db is Pool => 'totalCount' in db;

/**
 * Batch alerts share the telemetry alerts' table, lifecycle and outbox. Their
 * site is "@jobs": site ids follow the id pattern ^[a-z0-9][a-z0-9._-]*$ (the
 * gateway refuses any other), so "@jobs" can never be a real site. The device
 * is the asset key, the rule one of these.
 */
export const JOBS_ALERT_SITE = '@jobs';
export const JOBS_ALERT_RULES = ['freshness_missed', 'asset_failed', 'check_failed'] as const;
export type JobsAlertRule = (typeof JOBS_ALERT_RULES)[number];

export interface JobsAlert {
  rule: JobsAlertRule;
  asset: string;
  severity: AlertSeverity;
  /** Stable per incident: the same miss or failure always names the same alert. */
  incident: string;
  since: number;
  at: number;
  message: string;
}

export function jobsAlertId(rule: JobsAlertRule, asset: string, incident: string): string {
  return `jobs:${rule}:${asset}:${incident}`;
}

/** Opens the incident (a no-op while one of the same asset and rule is unresolved). */
export async function openJobsAlert(db: Queryable, a: JobsAlert, channels: string[]): Promise<boolean> {
  const t: AlertTransition = {
    type: 'open',
    id: jobsAlertId(a.rule, a.asset, a.incident),
    site: JOBS_ALERT_SITE,
    device: a.asset,
    rule: a.rule,
    severity: a.severity,
    since: a.since,
    at: a.at,
    message: a.message,
  };
  const { opened } = await applyTransitions(db, [t], channels);
  return opened > 0;
}

/** Resolves the unresolved incidents of these rules for the asset; returns how many. */
export async function resolveJobsAlerts(
  db: Queryable,
  asset: string,
  rules: readonly JobsAlertRule[],
  at: number,
  message: string,
  channels: string[],
): Promise<number> {
  const { rows } = await db.query<{ id: string; rule: JobsAlertRule; severity: AlertSeverity; since: Date }>(
    `SELECT id, rule, severity, since FROM alerts
     WHERE site = $1 AND coalesce(device, '') = $2 AND rule = ANY($3::text[]) AND state <> 'resolved'`,
    [JOBS_ALERT_SITE, asset, rules],
  );
  // (The condition matches the partial unique index alerts_one_unresolved: an index probe per success.)
  if (rows.length === 0) return 0;
  const apply = (q: Queryable) =>
    applyTransitions(
      q,
      rows.map((r) => ({
        type: 'resolve' as const,
        id: r.id,
        site: JOBS_ALERT_SITE,
        device: asset,
        rule: r.rule,
        severity: r.severity,
        since: r.since.getTime(),
        at,
        message,
      })),
      channels,
    );
  // The alert change and its outbox rows together: in a transaction of our own when given a pool.
  const { resolved } = isPool(db) ? await inTransaction(db, apply) : await apply(db);
  return resolved;
}
