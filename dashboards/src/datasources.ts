/**
 * The two datasource flavours every dashboard is generated for, and the
 * Grafana datasources they point at (provisioned under these uids).
 */
export type Flavour = 'influxdb' | 'prometheus';

export const FLAVOURS: readonly Flavour[] = ['influxdb', 'prometheus'];

export interface DatasourceSpec {
  uid: string;
  /** Grafana plugin id. */
  type: 'influxdb' | 'prometheus';
  name: string;
  /** URL as Grafana reaches it inside docker-compose (service name and port). */
  url: string;
}

/** The bucket the processor writes (YSH_INFLUX_BUCKET default, docker-compose's InfluxDB init bucket). */
export const INFLUX_BUCKET = 'telemetry';
export const INFLUX_ORG = 'ysh';

export const DATASOURCES: Readonly<Record<Flavour, DatasourceSpec>> = Object.freeze({
  influxdb: { uid: 'ysh-influxdb', type: 'influxdb', name: 'YSH InfluxDB (Flux)', url: 'http://influxdb:8086' },
  prometheus: {
    uid: 'ysh-victoriametrics',
    type: 'prometheus',
    name: 'YSH VictoriaMetrics (PromQL)',
    url: 'http://victoriametrics:8428',
  },
});

export function datasourceRef(flavour: Flavour): { type: string; uid: string } {
  const ds = DATASOURCES[flavour];
  return { type: ds.type, uid: ds.uid };
}
