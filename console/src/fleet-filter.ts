import type { FleetRow } from './api/types.ts';

export type FleetStatus = 'all' | 'alerting' | 'stale' | 'ok';

/** A site counts as without data when its last reading is older than this. */
export const STALE_AFTER_MS = 15 * 60_000;

export function fleetStatusOf(row: FleetRow, now: number): Exclude<FleetStatus, 'all'> {
  const alerts = row.openAlerts.critical + row.openAlerts.warning + row.openAlerts.info;
  if (alerts > 0) return 'alerting';
  const last = row.lastData ? Date.parse(row.lastData) : Number.NaN;
  if (Number.isNaN(last) || now - last > STALE_AFTER_MS) return 'stale';
  return 'ok';
}

/** Text search over site id and name (accents and case ignored) and a status filter; keeps the API's worst-first order. */
export function filterFleet(rows: FleetRow[], q: string, status: FleetStatus, now: number): FleetRow[] {
  const needle = fold(q.trim());
  return rows.filter(
    (r) =>
      (needle === '' || fold(r.name).includes(needle) || fold(r.site).includes(needle)) &&
      (status === 'all' || fleetStatusOf(r, now) === status),
  );
}

export function fold(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase();
}
