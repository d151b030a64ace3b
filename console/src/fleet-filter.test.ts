import { describe, expect, it } from 'vitest';
import type { FleetRow } from './api/types.ts';
import { filterFleet, fleetStatusOf } from './fleet-filter.ts';

const now = Date.parse('2026-11-21T13:05:00Z');
const row = (site: string, name: string, lastData: string | null, critical = 0): FleetRow => ({
  site,
  name,
  powerW: 1000,
  energyTodayKwh: 5,
  availability: 1,
  openAlerts: { critical, warning: 0, info: 0 },
  lastData,
});
const rows = [
  row('site-sp-001', 'São Paulo Norte', '2026-11-21T13:04:00Z', 2),
  row('site-rj-002', 'Rio Centro', null),
  row('site-mg-003', 'Belo Horizonte', '2026-11-21T13:00:00Z'),
];

describe('fleet filter', () => {
  it('classifies a site: alerts first, then data older than 15 minutes, else normal', () => {
    expect(rows.map((r) => fleetStatusOf(r, now))).toEqual(['alerting', 'stale', 'ok']);
    expect(fleetStatusOf(row('x', 'x', '2026-11-21T12:49:00Z'), now)).toBe('stale');
  });

  it('searches name and id ignoring accents and case, and keeps the API order', () => {
    expect(filterFleet(rows, 'sao paulo', 'all', now).map((r) => r.site)).toEqual(['site-sp-001']);
    expect(filterFleet(rows, 'SITE-', 'all', now).map((r) => r.site)).toEqual([
      'site-sp-001',
      'site-rj-002',
      'site-mg-003',
    ]);
    expect(filterFleet(rows, '', 'stale', now).map((r) => r.site)).toEqual(['site-rj-002']);
    expect(filterFleet(rows, 'rio', 'ok', now)).toEqual([]);
  });
});
