import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AnyAsset } from '../graph/asset.ts';
import { defineSensor, type SensorDef } from '../sensors/file-sensor.ts';
import { CSV, demoMeterRaw } from './demo-meter-raw.ts';
import { demoMeterDaily } from './demo-meter-daily.ts';
import { demoSiteEnergy } from './demo-site-energy.ts';
import { demoSites } from './demo-sites.ts';

/**
 * The small synthetic graph shipped with the engine until the domain assets
 * land: demo_sites (raw) and demo_meter_raw (raw, CSV inbox) -> demo_meter_daily
 * (normalized) -> demo_site_energy (gold, scheduled, freshness deadline).
 */
export function demoDefinitions(inboxDir: string): { assets: AnyAsset[]; sensors: SensorDef[] } {
  return {
    assets: [demoSites, demoMeterRaw(inboxDir), demoMeterDaily, demoSiteEnergy],
    sensors: [
      defineSensor({ name: 'demo_inbox', kind: 'files', dir: inboxDir, pattern: CSV, assets: ['demo_meter_raw'] }),
    ],
  };
}

/** Writes `days` days of synthetic readings for the demo sites as one CSV file (deterministic). */
export async function writeDemoCsv(
  inboxDir: string,
  name: string,
  o: { days: number; start?: string; scale?: number },
): Promise<string> {
  await mkdir(inboxDir, { recursive: true });
  const start = new Date(`${o.start ?? '2026-11-01'}T00:00:00Z`);
  const lines = ['site,day,energy_kwh'];
  const sites: Array<[string, number]> = [
    ['site-sp-001', 75],
    ['site-mg-002', 120],
    ['site-ba-003', 250],
  ];
  for (let d = 0; d < o.days; d++) {
    const day = new Date(start.getTime() + d * 86_400_000).toISOString().slice(0, 10);
    for (const [site, kwp] of sites)
      lines.push(`${site},${day},${(kwp * (4 + ((d * 7) % 5) / 4) * (o.scale ?? 1)).toFixed(1)}`);
  }
  const path = join(inboxDir, name);
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}
