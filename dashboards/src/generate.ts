import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { buildBoard, boardUid } from './board.ts';
import { BOARDS } from './boards/index.ts';
import type { Flavour } from './datasources.ts';
import { dashboardProvidersYaml, datasourcesYaml, scrapeConfigYaml, type ScrapeTarget } from './provisioning.ts';

/** The dashboards package folder; generated files live under its `grafana/`. */
export const PACKAGE_DIR = join(import.meta.dirname, '..');
export const GRAFANA_DIR = 'grafana';

/**
 * What docker-compose's VictoriaMetrics (profile `metrics`) scrapes: each
 * component's /metrics by compose service name and port.
 */
export const COMPOSE_SCRAPE_TARGETS: readonly ScrapeTarget[] = [
  { job: 'gateway', targets: ['gateway:7080'] },
  { job: 'processor', targets: ['processor:7090'] },
  { job: 'jobs', targets: ['jobs:7095'] },
  { job: 'api', targets: ['api:7000'] },
  { job: 'edge', targets: ['edge-sp-001:7070', 'edge-rj-002:7070', 'edge-mg-003:7070'] },
  { job: 'sim', targets: ['sim:7060'] },
];

export function dashboardPath(flavour: Flavour, uid: string): string {
  return `${GRAFANA_DIR}/dashboards/${flavour}/${uid}.json`;
}

/** Every generated file, path (relative to the package) → content. */
export function renderAll(): Map<string, string> {
  const out = new Map<string, string>();
  for (const spec of BOARDS) {
    for (const flavour of spec.flavours) {
      out.set(
        dashboardPath(flavour, boardUid(spec, flavour)),
        `${JSON.stringify(buildBoard(spec, flavour), null, 2)}\n`,
      );
    }
  }
  out.set(`${GRAFANA_DIR}/provisioning/datasources/ysh.yaml`, datasourcesYaml());
  out.set(`${GRAFANA_DIR}/provisioning/dashboards/ysh.yaml`, dashboardProvidersYaml());
  out.set(`${GRAFANA_DIR}/victoriametrics/scrape.yaml`, scrapeConfigYaml(COMPOSE_SCRAPE_TARGETS));
  return out;
}

/** Writes the files that changed; returns their paths. */
export async function writeAll(root = PACKAGE_DIR): Promise<string[]> {
  const changed: string[] = [];
  for (const [path, content] of renderAll()) {
    const file = join(root, path);
    const current = await readFile(file, 'utf8').catch(() => undefined);
    if (current === content) continue;
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, content);
    changed.push(path);
  }
  return changed;
}
