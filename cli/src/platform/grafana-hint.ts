import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GRAFANA_DIR, PACKAGE_DIR, scrapeConfigYaml } from '@ysh/dashboards';

/**
 * Where the Grafana dashboards and their provisioning live, and how to point a
 * local Grafana at this platform: VictoriaMetrics takes the processor's series
 * (YSH_INFLUX_URL) and scrapes every component's /metrics with the scrape
 * config written here for this run's ports.
 */
export async function grafanaRows(
  dataDir: string,
  metrics: ReadonlyMap<string, string>,
  influxUrl: string | undefined,
): Promise<Array<[string, string]>> {
  const file = join(dataDir, 'platform', 'victoriametrics-scrape.yaml');
  await writeFile(
    file,
    scrapeConfigYaml(
      [...metrics].map(([job, url]) => ({ job, targets: [new URL(url).host] })),
      '15s',
    ),
  );
  const grafana = join(PACKAGE_DIR, GRAFANA_DIR);
  return [
    ['dashboards', `${grafana}/dashboards  (Grafana provisioning: ${grafana}/provisioning)`],
    [
      'grafana',
      influxUrl
        ? `series go to ${influxUrl}; scrape /metrics with victoria-metrics -promscrape.config=${file} (see dashboards/README.md)`
        : `no series store set: run victoria-metrics -promscrape.config=${file}, then YSH_INFLUX_URL=http://127.0.0.1:8428 npm start, and provision Grafana from ${grafana} (see dashboards/README.md)`,
    ],
  ];
}
