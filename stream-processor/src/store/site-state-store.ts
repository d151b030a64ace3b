import type { HysteresisState } from '../alerts/hysteresis.ts';
import type { Queryable } from './queryable.ts';
import { tsToMs } from './queryable.ts';

/**
 * `processor_site_state`: per consumer group and site, the last site window
 * the peer rules judged and their hysteresis memory. Its row lock is what
 * makes one instance judge each site window, in window order.
 */

/** A site's peer-rule memory as locked for judging. */
export interface SiteState {
  /** Start of the last judged window (event time), null before the first. */
  last: number | null;
  /** Hysteresis per `${device}/${rule}`. */
  state: Map<string, HysteresisState>;
}

/** A site window: the site and its window start (event time). */
export interface SiteWindow {
  site: string;
  windowStart: number;
}

/** Site windows with stored results that the group has not judged yet (after a crash or a rebalance). */
export async function listUnjudgedSiteWindows(db: Queryable, groupId: string, sites: string[]): Promise<SiteWindow[]> {
  if (sites.length === 0) return [];
  const { rows } = await db.query<{ site: string; window_start: Date }>(
    `SELECT DISTINCT w.site, w.window_start FROM window_results w
     LEFT JOIN processor_site_state s ON s.group_id = $1 AND s.site = w.site
     WHERE w.site = ANY($2::text[]) AND (s.last_window IS NULL OR w.window_start > s.last_window)`,
    [groupId, sites],
  );
  return rows.map((r) => ({ site: r.site, windowStart: tsToMs(r.window_start) as number }));
}

/**
 * Locks the sites' rows (created when missing) for the rest of the transaction,
 * in site order so two instances never wait on each other in a cycle.
 */
export async function lockSiteStates(db: Queryable, groupId: string, sites: string[]): Promise<Map<string, SiteState>> {
  await db.query(
    `INSERT INTO processor_site_state (group_id, site) SELECT $1, s FROM unnest($2::text[]) AS s
     ON CONFLICT (group_id, site) DO NOTHING`,
    [groupId, sites],
  );
  const { rows } = await db.query<{ site: string; last_window: Date | null; state: Record<string, HysteresisState> }>(
    `SELECT site, last_window, state FROM processor_site_state WHERE group_id = $1 AND site = ANY($2::text[])
     ORDER BY site FOR UPDATE`,
    [groupId, sites],
  );
  return new Map(
    rows.map((r) => [r.site, { last: tsToMs(r.last_window), state: new Map(Object.entries(r.state ?? {})) }]),
  );
}

/**
 * Devices expected in each site's windows: those of the group that reported
 * since `activeSince` (processing time), and those registered to the site.
 */
export async function listExpectedDevices(
  db: Queryable,
  groupId: string,
  sites: string[],
  activeSince: number,
): Promise<Map<string, string[]>> {
  const { rows } = await db.query<{ site: string; device: string }>(
    `SELECT site, device FROM processor_devices
     WHERE group_id = $1 AND site = ANY($2::text[]) AND last_seen_at >= to_timestamp($3)
     UNION SELECT site_id, id FROM devices WHERE site_id = ANY($2::text[])`,
    [groupId, sites, activeSince / 1000],
  );
  const out = new Map<string, string[]>();
  for (const r of rows) out.set(r.site, [...(out.get(r.site) ?? []), r.device]);
  return out;
}

/** Stores the sites' last judged window and peer-rule memory (rows locked by `lockSiteStates`). */
export async function saveSiteStates(
  db: Queryable,
  groupId: string,
  updates: { site: string; state: SiteState }[],
): Promise<void> {
  if (updates.length === 0) return;
  const rows = updates.map((u) => ({ site: u.site, last: u.state.last, state: Object.fromEntries(u.state.state) }));
  await db.query(
    `UPDATE processor_site_state s SET last_window = to_timestamp(x.last / 1000.0), state = x.state, updated_at = now()
     FROM jsonb_to_recordset($2::jsonb) AS x(site text, last double precision, state jsonb)
     WHERE s.group_id = $1 AND s.site = x.site`,
    [groupId, JSON.stringify(rows)],
  );
}
