import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** The demo sites of `npm start`: three Brazilian sites, ten inverters each, Modbus and MQTT mixed. */
export interface DemoSite {
  id: string;
  name: string;
  lat: number;
  lon: number;
  /** Device ids in fleet order, with how each is reached. */
  devices: Array<{ id: string; protocol: 'modbus' | 'mqtt'; index: number }>;
}

export interface DemoLayout {
  sites: DemoSite[];
  fleetFile: string;
  scenarioFile: string;
  /** Modbus devices share one port from `modbusPort` with unit ids 1..247 (the simulator's default addressing). */
  modbusPort: number;
}

const SITES = [
  { id: 'site-sp-001', name: 'São Paulo — Campinas rooftop', lat: -22.91, lon: -47.06 },
  { id: 'site-rj-002', name: 'Rio de Janeiro — Duque de Caxias warehouse', lat: -22.79, lon: -43.31 },
  { id: 'site-mg-003', name: 'Minas Gerais — Uberlândia farm', lat: -18.92, lon: -48.28 },
];
/** The edge agent expands `${NAME}` from its environment, so the token stays out of the file. */
const TOKEN_FROM_ENV = '$' + '{YSH_SITE_TOKEN}';
const MODBUS_PER_SITE = 7;
const MQTT_PER_SITE = 3;

export function deviceName(index: number): string {
  return `inv-${String(index).padStart(4, '0')}`;
}

/**
 * Writes the simulator's fleet and fault scenario for the demo. Modbus devices
 * come first in the fleet (indexes 1..21: one port, unit id = index), MQTT
 * dataloggers after (22..30), as the simulator numbers devices in file order.
 */
export async function writeDemoFleet(dir: string, modbusPort: number): Promise<DemoLayout> {
  await mkdir(dir, { recursive: true });
  const sites: DemoSite[] = SITES.map((s) => ({ ...s, devices: [] }));
  const groups: unknown[] = [];
  let index = 0;
  for (const protocol of ['modbus', 'mqtt'] as const) {
    for (const site of sites) {
      const count = protocol === 'modbus' ? MODBUS_PER_SITE : MQTT_PER_SITE;
      groups.push({
        count,
        protocol,
        model: 103,
        nameplateW: 5000,
        dcWp: 5500,
        mppts: 2,
        site: { id: site.id, lat: site.lat, lon: site.lon, weather: 'variable' },
      });
      for (let k = 0; k < count; k++) {
        index++;
        site.devices.push({ id: deviceName(index), protocol, index });
      }
    }
  }
  const fleetFile = join(dir, 'fleet.yaml');
  await writeFile(fleetFile, stringify({ devices: groups }));

  // Faults on the simulated clock (the demo runs it at 10x): one per kind an operator meets first.
  const scenario = {
    events: [
      { at: '1m', device: deviceName(12), inject: { type: 'grid-fault', kind: 'undervoltage' }, for: '12m' },
      { at: '2m', device: deviceName(3), inject: { type: 'mppt-failure', mppt: 2 }, for: '15m' },
      { at: '4m', device: deviceName(18), inject: { type: 'comm-loss' }, for: '15m' },
    ],
  };
  const scenarioFile = join(dir, 'scenario.yaml');
  await writeFile(scenarioFile, stringify(scenario));
  return { sites, fleetFile, scenarioFile, modbusPort };
}

/** The edge agent's site config for one demo site (the token comes from the environment). */
export async function writeEdgeConfig(
  dir: string,
  site: DemoSite,
  options: { gatewayUrl: string; modbusPort: number; lanMqttUrl: string; mqttTopicPrefix: string },
): Promise<string> {
  const config = {
    site: site.id,
    gateway: {
      url: options.gatewayUrl,
      token: TOKEN_FROM_ENV,
      batchMaxReadings: 500,
      retryMin: '200ms',
      retryMax: '10s',
    },
    defaults: { interval: '2s', timeout: '1s', retries: 1 },
    devices: site.devices.map((d) =>
      d.protocol === 'modbus'
        ? { id: d.id, transport: 'tcp', host: '127.0.0.1', port: options.modbusPort, unitId: d.index }
        : {
            id: d.id,
            transport: 'mqtt',
            broker: options.lanMqttUrl,
            topic: `${options.mqttTopicPrefix}/${site.id}/${d.id}/readings`,
            mapping: Object.fromEntries(
              [
                'ac_power_w',
                'ac_energy_wh',
                'dc_power_w',
                'dc_voltage_v',
                'dc_current_a',
                'ac_voltage_v',
                'ac_frequency_hz',
                'temperature_c',
                'operating_state',
                'events',
              ].map((m) => [m, `metrics.${m}`]),
            ),
          },
    ),
  };
  const file = join(dir, `${site.id}.yaml`);
  await writeFile(file, stringify(config));
  return file;
}
