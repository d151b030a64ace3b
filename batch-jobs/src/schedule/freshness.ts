import type { Logger } from '@ysh/common';
import type { Pool } from '@ysh/common/db';
import { openJobsAlert } from '../alerts/job-alerts.ts';
import type { AssetGraph } from '../graph/asset-graph.ts';
import { DEFAULT_TZ, previousTick } from './cron.ts';

export interface FreshnessDeps {
  pool: Pool;
  graph: AssetGraph;
  logger: Logger;
  alertChannels: string[];
  now?: () => number;
}

/**
 * Freshness SLOs: `freshness: { deadline: '0 8 * * 1-5', tz }`. When the
 * latest deadline D has passed and no step has materialized the asset or found
 * it up to date (asset_latest.verified_at) since
 * the deadline before it, a freshness_missed alert opens for D (its id names D,
 * so evaluating again is a no-op). The next success resolves it (step-finish.ts).
 * While an alert is unresolved, further misses fold into it (one unresolved
 * incident per asset and rule).
 */
export async function evaluateFreshness(d: FreshnessDeps): Promise<string[]> {
  const now = d.now?.() ?? Date.now();
  const opened: string[] = [];
  for (const asset of d.graph.assets()) {
    if (!asset.freshness) continue;
    const tz = asset.freshness.tz ?? DEFAULT_TZ;
    const deadline = previousTick(asset.freshness.deadline, tz, now);
    const before = previousTick(asset.freshness.deadline, tz, deadline - 1);
    const { rows } = await d.pool.query<{ last: Date | null }>(
      'SELECT max(verified_at) AS last FROM asset_latest WHERE asset_key = $1',
      [asset.key],
    );
    const last = rows[0]?.last?.getTime();
    if (last !== undefined && last > before) continue;
    const iso = new Date(deadline).toISOString();
    const isOpen = await openJobsAlert(
      d.pool,
      {
        rule: 'freshness_missed',
        asset: asset.key,
        severity: 'warning',
        incident: iso,
        since: deadline,
        at: now,
        message: `asset ${asset.key} missed its freshness deadline ${iso} (${asset.freshness.deadline} ${tz}): ${
          last === undefined ? 'never materialized' : `last success ${new Date(last).toISOString()}`
        }`,
      },
      d.alertChannels,
    );
    if (isOpen) {
      d.logger.warn({ asset: asset.key, deadline: iso }, 'freshness deadline missed');
      opened.push(asset.key);
    }
  }
  return opened;
}
