import {
  ConfigError,
  createLogger,
  DEFAULT_PORTS,
  gracefulShutdown,
  intFlag,
  numberFlag,
  parseDuration,
  parseFlags,
  type CliCommand,
} from '@ysh/common';
import { loadSimConfig, simEnv } from './config.ts';
import { loadFleetFile } from './fleet.ts';
import { loadScenarioFile } from './scenario.ts';
import { startSimulator, SUNSPEC_BASES, type SunSpecBase } from './simulator.ts';

const SIM_USAGE = `usage: ysh sim [--devices N] [--port P] [--seed S] [--speed X] [flags]

Simulated SunSpec inverters over Modbus TCP (and MQTT-native devices), with physics and fault injection.
Device k listens on port P + floor((k-1)/247) with unit id ((k-1) mod 247) + 1, unless --one-port-per-device.

  --devices N             Modbus devices of the default fleet (1..5000, default 10)
  --port P                first Modbus TCP port (default ${DEFAULT_PORTS.simModbus}; 0 = ephemeral)
  --host H                listen address (default 127.0.0.1)
  --seed S                random seed; the same seed replays the same fleet (default 1)
  --speed X               simulated seconds per second (default 1; 60 = one minute per second)
  --start ISO             simulated start time (default now)
  --step-ms MS            simulated ms per physics step (default 1000 x max(1, ceil(speed/10)))
  --base B                register address of 'SunS': 40000 (default), 0 or 50000
  --one-port-per-device   device k on port P + k - 1 (any unit id)
  --fleet FILE            fleet file (YAML/JSON) instead of --devices/--mqtt-devices
  --scenario FILE         scripted faults (YAML/JSON) on the simulated clock
  --control-port C        HTTP control API, /health and /metrics (default ${DEFAULT_PORTS.simControl})
  --mqtt-url URL          broker for MQTT-native devices (default $YSH_MQTT_URL)
  --mqtt-devices M        MQTT-native devices added after the Modbus ones (default 0)
  --mqtt-period D         publish period on the simulated clock (default 10s)
  --mqtt-topic-prefix T   topic prefix (default ysh-sim): T/<site>/<device>/readings
  --rtu-path PATH         also serve the first 247 Modbus devices as RTU slaves (unit 1..247) on this serial port
  --rtu-baud B            serial speed for --rtu-path (default 9600)`;

export const simCommand: CliCommand = {
  name: 'sim',
  env: simEnv,
  summary: 'simulated SunSpec inverter fleet (Modbus TCP, MQTT) with physics and fault injection',
  usage: SIM_USAGE,
  async run(argv) {
    const { values: f } = parseFlags('sim', argv, {
      devices: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      seed: { type: 'string' },
      speed: { type: 'string' },
      start: { type: 'string' },
      'step-ms': { type: 'string' },
      base: { type: 'string' },
      'one-port-per-device': { type: 'boolean' },
      fleet: { type: 'string' },
      scenario: { type: 'string' },
      'control-port': { type: 'string' },
      'mqtt-url': { type: 'string' },
      'mqtt-devices': { type: 'string' },
      'mqtt-period': { type: 'string' },
      'mqtt-topic-prefix': { type: 'string' },
      'rtu-path': { type: 'string' },
      'rtu-baud': { type: 'string' },
    });
    const config = loadSimConfig(process.env);
    const logger = createLogger('firmware-sim', { level: config.logLevel });
    const base = intFlag('base', f.base, 40000, 0, 65535);
    if (!SUNSPEC_BASES.includes(base as SunSpecBase)) throw new ConfigError('--base', 'expected 40000, 0 or 50000');
    let start: number | undefined;
    if (f.start !== undefined) {
      start = Date.parse(f.start);
      if (Number.isNaN(start))
        throw new ConfigError('--start', `expected an ISO timestamp, got ${JSON.stringify(f.start)}`);
    }
    let periodMs = 10_000;
    if (f['mqtt-period'] !== undefined) {
      const d = parseDuration(f['mqtt-period']);
      if (d === undefined || d <= 0) throw new ConfigError('--mqtt-period', 'expected a duration such as 10s or 1m');
      periodMs = d;
    }
    const mqttDevices = intFlag('mqtt-devices', f['mqtt-devices'], 0, 0, 5000);
    const mqttUrl = f['mqtt-url'] ?? config.mqttUrl;
    if (mqttDevices > 0 && !mqttUrl) {
      throw new ConfigError('--mqtt-url', 'MQTT devices need a broker URL (or set YSH_MQTT_URL)');
    }
    const speed = numberFlag('speed', f.speed, 1, 0, 100_000);
    const sim = await startSimulator({
      devices: intFlag('devices', f.devices, 10, 0, 5000),
      mqttDevices,
      fleet: f.fleet ? await loadFleetFile(f.fleet) : undefined,
      scenario: f.scenario ? await loadScenarioFile(f.scenario) : undefined,
      host: f.host ?? '127.0.0.1',
      port: intFlag('port', f.port, DEFAULT_PORTS.simModbus, 0, 65535),
      onePortPerDevice: f['one-port-per-device'] ?? false,
      base: base as SunSpecBase,
      seed: intFlag('seed', f.seed, 1, 0, 2 ** 32 - 1),
      speed,
      start,
      stepMs: f['step-ms'] === undefined ? undefined : intFlag('step-ms', f['step-ms'], 1000, 100, 3_600_000),
      controlPort: intFlag('control-port', f['control-port'], DEFAULT_PORTS.simControl, 0, 65535),
      mqtt: mqttUrl ? { url: mqttUrl, periodMs, topicPrefix: f['mqtt-topic-prefix'] ?? 'ysh-sim' } : undefined,
      logger,
    });
    // Signal handlers go in before "ready" is logged: whoever waits for that line may stop us at once.
    const shutdown = gracefulShutdown({ logger });
    shutdown.add({ name: 'close simulator', run: () => sim.close() });
    if (f['rtu-path']) {
      await sim.serveRtu(f['rtu-path'], { baudRate: intFlag('rtu-baud', f['rtu-baud'], 9600, 300, 4_000_000) });
    }
    logger.info(
      {
        rtuPath: f['rtu-path'],
        ports: sim.ports,
        controlUrl: sim.controlUrl,
        base: sim.base,
        seed: sim.seed,
        speed,
        devices: sim.devices.length,
        first: sim.devices[0],
        last: sim.devices[sim.devices.length - 1],
      },
      'simulator ready',
    );
    await new Promise<void>(() => {});
  },
};

const FAULT_USAGE = `usage: ysh sim-fault --device ID (--inject JSON | --clear TYPE) [--control-url URL]

Injects or clears a fault on a running simulator through its HTTP control API.
  --device ID         device id, e.g. inv-0003
  --inject JSON       fault, e.g. '{"type":"grid-fault","kind":"undervoltage"}'
  --clear TYPE        fault type to clear, or "all"; --mppt N for one string failure
  --control-url URL   default http://127.0.0.1:${DEFAULT_PORTS.simControl}
Fault types: mppt-failure {mppt}, over-temperature {deratePct, heatsinkC}, grid-fault {kind},
comm-loss, slow-response {delayMs}, modbus-exception {code}, frozen-values, energy-reset, clock-skew {skewMs}`;

export const simFaultCommand: CliCommand = {
  name: 'sim-fault',
  summary: 'inject or clear a fault on a running simulator',
  usage: FAULT_USAGE,
  async run(argv) {
    const { values: f } = parseFlags('sim-fault', argv, {
      device: { type: 'string' },
      inject: { type: 'string' },
      clear: { type: 'string' },
      mppt: { type: 'string' },
      'control-url': { type: 'string' },
    });
    if (!f.device) throw new ConfigError('--device', 'is required');
    if ((f.inject === undefined) === (f.clear === undefined))
      throw new ConfigError('--inject/--clear', 'give exactly one');
    const url = f['control-url'] ?? `http://127.0.0.1:${DEFAULT_PORTS.simControl}`;
    const device = encodeURIComponent(f.device);
    let res: Response;
    if (f.inject !== undefined) {
      let body: unknown;
      try {
        body = JSON.parse(f.inject);
      } catch {
        throw new ConfigError('--inject', 'expected a JSON object such as {"type":"comm-loss"}');
      }
      res = await fetch(`${url}/devices/${device}/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    } else {
      const mppt = f.mppt === undefined ? '' : `?mppt=${intFlag('mppt', f.mppt, 1, 1, 16)}`;
      res = await fetch(`${url}/devices/${device}/faults/${encodeURIComponent(f.clear ?? '')}${mppt}`, {
        method: 'DELETE',
      });
    }
    const text = await res.text();
    process.stdout.write(`${text}\n`);
    if (!res.ok)
      throw new ConfigError(
        f.inject !== undefined ? '--inject' : '--clear',
        `control API answered ${res.status}: ${text}`,
      );
  },
};

export const commands: CliCommand[] = [simCommand, simFaultCommand];
