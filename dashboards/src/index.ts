export { buildBoard, boardUid, type BoardSpec, type VariableSpec, type AnnotationSpec } from './board.ts';
export { BOARDS } from './boards/index.ts';
export { DATASOURCES, FLAVOURS, INFLUX_BUCKET, INFLUX_ORG, datasourceRef, type Flavour } from './datasources.ts';
export { COMPOSE_SCRAPE_TARGETS, GRAFANA_DIR, PACKAGE_DIR, dashboardPath, renderAll, writeAll } from './generate.ts';
export { FOLDERS, GRAFANA_DASHBOARDS_DIR, scrapeConfigYaml, type ScrapeTarget } from './provisioning.ts';
export { legendOf, type QuerySpec } from './query.ts';
