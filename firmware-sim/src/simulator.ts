import type { Logger } from '@ysh/common';
import type { FastifyInstance } from 'fastify';
import { buildControlServer } from './control/control-server.ts';
import { SimClock, type ClockState } from './clock.ts';
import { defaultDevice, DEFAULT_SITE, type DeviceSpec, type SiteSpec } from './device/device-spec.ts';
import { SimulatedDevice, type DeviceTruth } from './device/simulated-device.ts';
import { SimError, unknownDevice } from './errors.ts';
import { checkFaultFits, parseFault, type Fault, type FaultType } from './faults.ts';
import { startModbusRtuServer, type ModbusRtuServer } from './modbus/rtu-server.ts';
import { startModbusTcpServer, type ModbusTcpServer } from './modbus/tcp-server.ts';
import { startMqttPublisher, type MqttPublisher } from './mqtt/publisher.ts';
import { scheduleScenario, type Scenario } from './scenario.ts';

/** Unit ids one Modbus TCP port carries before the next port is used. */
export const UNITS_PER_PORT = 247;
export const SUNSPEC_BASES = [40000, 0, 50000] as const;
export type SunSpecBase = (typeof SUNSPEC_BASES)[number];

export interface SimulatorOptions {
  /** Devices of the default fleet when `fleet` is not given. */
  devices?: number;
  /** Explicit device list (from a fleet file); overrides `devices`/`mqttDevices`. */
  fleet?: DeviceSpec[];
  /** MQTT-native devices added after the Modbus ones in the default fleet. */
  mqttDevices?: number;
  site?: SiteSpec;
  host?: string;
  /** First Modbus TCP port; 0 = ephemeral ports (tests). */
  port?: number;
  onePortPerDevice?: boolean;
  /** Register address of the `SunS` marker. */
  base?: SunSpecBase;
  seed?: number;
  /** Simulated-time speed (1 = real time, 60 = a minute per second, 0 = stopped until advanced). */
  speed?: number;
  /** Simulated start time (epoch ms); defaults to now. */
  start?: number;
  /** Simulated milliseconds per physics step; defaults to 1000 × max(1, ⌈speed/10⌉). */
  stepMs?: number;
  mqtt?: { url: string; periodMs?: number; topicPrefix?: string };
  scenario?: Scenario;
  /** Start the HTTP control API on this port (0 = ephemeral); absent = no control API. */
  controlPort?: number;
  logger?: Logger;
}

export interface DeviceInfo {
  id: string;
  index: number;
  protocol: 'modbus' | 'mqtt';
  inverterModel: number;
  mppts: number;
  nameplateW: number;
  /** Modbus TCP address (Modbus devices). */
  host?: string;
  port?: number;
  unitId?: number;
  /** MQTT topic (MQTT devices). */
  topic?: string;
}

export interface Simulator {
  readonly host: string;
  /** Modbus TCP ports in use, in order. */
  readonly ports: number[];
  readonly base: SunSpecBase;
  readonly seed: number;
  readonly devices: DeviceInfo[];
  readonly clock: SimClock;
  /** Base URL of the HTTP control API, when started. */
  readonly controlUrl: string | undefined;
  device(id: string): SimulatedDevice;
  groundTruth(id: string): DeviceTruth;
  /** Accepts a Fault or its JSON description (validated; errors name the field). */
  injectFault(id: string, fault: Fault | unknown): Fault;
  clearFault(id: string, type: FaultType | 'all', mppt?: number): boolean;
  /**
   * Also serves Modbus RTU on a serial port (e.g. one end of a socat pty pair):
   * the listed devices (default: the first 247 Modbus devices) with unit ids 1, 2, … in order.
   */
  serveRtu(path: string, options?: { deviceIds?: string[]; baudRate?: number }): Promise<ModbusRtuServer>;
  clockState(): ClockState;
  setSpeed(speed: number): void;
  advance(ms: number): void;
  /** Modbus request counters. */
  stats(): { requests: number; responses: number; exceptions: number; dropped: number; mqttPublished: number };
  close(): Promise<void>;
}

export function defaultStepMs(speed: number): number {
  return 1000 * Math.max(1, Math.ceil(speed / 10));
}

export function buildFleet(options: Pick<SimulatorOptions, 'devices' | 'mqttDevices' | 'site'>): DeviceSpec[] {
  const n = options.devices ?? 1;
  const m = options.mqttDevices ?? 0;
  const site = options.site ?? DEFAULT_SITE;
  return [
    ...Array.from({ length: n }, (_, i) => defaultDevice(i + 1, site, 'modbus')),
    ...Array.from({ length: m }, (_, i) => defaultDevice(n + i + 1, site, 'mqtt')),
  ];
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const host = options.host ?? '127.0.0.1';
  const seed = options.seed ?? 1;
  const speed = options.speed ?? 1;
  const base = options.base ?? 40000;
  if (!SUNSPEC_BASES.includes(base))
    throw new SimError('SIM_BAD_FLEET', `base: expected one of ${SUNSPEC_BASES.join(', ')}`);
  const stepMs = options.stepMs ?? defaultStepMs(speed);
  const start = options.start ?? Date.now();
  const clock = new SimClock(start, speed);
  const specs = options.fleet ?? buildFleet(options);
  const ids = new Set<string>();
  for (const s of specs) {
    if (ids.has(s.id)) throw new SimError('SIM_BAD_FLEET', `devices: duplicate device id ${JSON.stringify(s.id)}`);
    ids.add(s.id);
  }
  const devices = new Map<string, SimulatedDevice>();
  for (const spec of specs) devices.set(spec.id, new SimulatedDevice(spec, seed, start, stepMs));
  // Scenario errors (unknown device, MPPT out of range) surface before any port is opened.
  if (options.scenario) scheduleScenario(options.scenario, [...devices.values()], start);
  const modbusDevices = [...devices.values()].filter((d) => d.spec.protocol === 'modbus');

  const servers: ModbusTcpServer[] = [];
  const ctx = { now: () => clock.now(), base };
  const firstPort = options.port ?? 15020;
  const groups: SimulatedDevice[][] = [];
  if (options.onePortPerDevice) for (const d of modbusDevices) groups.push([d]);
  else
    for (let i = 0; i < modbusDevices.length; i += UNITS_PER_PORT)
      groups.push(modbusDevices.slice(i, i + UNITS_PER_PORT));
  try {
    for (const [g, group] of groups.entries()) {
      const byUnit = new Map<number, SimulatedDevice>();
      group.forEach((d, i) => {
        byUnit.set(i + 1, d);
      });
      const only = group[0];
      // One device per port answers whatever unit id the client uses.
      const lookup = options.onePortPerDevice ? () => only : (unit: number) => byUnit.get(unit);
      const server = await startModbusTcpServer({
        host,
        port: firstPort === 0 ? 0 : firstPort + g,
        lookup,
        ctx,
      }).catch((err: unknown) => {
        throw new SimError(
          'SIM_LISTEN_FAILED',
          `Modbus TCP port ${firstPort === 0 ? 0 : firstPort + g}: ${String(err)}`,
          {
            cause: err,
          },
        );
      });
      servers.push(server);
      group.forEach((d, i) => {
        d.address = { port: server.port, unitId: i + 1 };
      });
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()));
    throw err;
  }

  const mqttDevices = [...devices.values()].filter((d) => d.spec.protocol === 'mqtt');
  let publisher: MqttPublisher | undefined;
  if (mqttDevices.length > 0) {
    if (!options.mqtt) {
      await Promise.all(servers.map((s) => s.close()));
      throw new SimError('SIM_BAD_FLEET', 'mqtt: MQTT devices need a broker URL (--mqtt-url)');
    }
    publisher = await startMqttPublisher({
      url: options.mqtt.url,
      periodMs: options.mqtt.periodMs ?? 10_000,
      topicPrefix: options.mqtt.topicPrefix ?? 'ysh-sim',
      devices: mqttDevices,
      clock,
      logger: options.logger,
    });
  }

  const get = (id: string): SimulatedDevice => {
    const d = devices.get(id);
    if (!d) throw unknownDevice(id);
    return d;
  };

  const infos: DeviceInfo[] = specs.map((s) => {
    const d = get(s.id);
    const info: DeviceInfo = {
      id: s.id,
      index: s.index,
      protocol: s.protocol,
      inverterModel: s.inverterModel,
      mppts: s.mppts,
      nameplateW: s.nameplateW,
    };
    if (d.address) Object.assign(info, { host, port: d.address.port, unitId: d.address.unitId });
    if (s.protocol === 'mqtt' && publisher) info.topic = publisher.topicOf(s.id);
    return info;
  });

  const rtuServers: ModbusRtuServer[] = [];
  const sim: Simulator = {
    host,
    controlUrl: undefined,
    ports: servers.map((s) => s.port),
    base,
    seed,
    devices: infos,
    clock,
    device: get,
    groundTruth: (id) => get(id).truth(clock.now()),
    injectFault(id, fault) {
      const device = get(id);
      const parsed = checkFaultFits(parseFault(fault), device);
      device.inject(parsed, clock.now());
      options.logger?.info({ device: id, fault: parsed }, 'fault injected');
      return parsed;
    },
    clearFault(id, type, mppt) {
      const had = get(id).clear(type, clock.now(), mppt);
      options.logger?.info({ device: id, type, mppt }, 'fault cleared');
      return had;
    },
    async serveRtu(path, rtuOptions = {}) {
      const list = rtuOptions.deviceIds ? rtuOptions.deviceIds.map(get) : modbusDevices.slice(0, UNITS_PER_PORT);
      if (list.length > UNITS_PER_PORT) {
        throw new SimError(
          'SIM_BAD_FLEET',
          `rtu: at most ${UNITS_PER_PORT} devices share a serial bus, got ${list.length}`,
        );
      }
      const byUnit = new Map(list.map((d, i) => [i + 1, d]));
      const server = await startModbusRtuServer({
        path,
        baudRate: rtuOptions.baudRate,
        lookup: (unit) => byUnit.get(unit),
        ctx,
      }).catch((err: unknown) => {
        throw new SimError('SIM_LISTEN_FAILED', `Modbus RTU on ${path}: ${String(err)}`, { cause: err });
      });
      rtuServers.push(server);
      return server;
    },
    clockState: () => clock.state(),
    setSpeed: (x) => clock.setSpeed(x),
    advance: (ms) => clock.advance(ms),
    stats() {
      const s = { requests: 0, responses: 0, exceptions: 0, dropped: 0, mqttPublished: publisher?.published() ?? 0 };
      for (const server of servers) {
        s.requests += server.stats.requests;
        s.responses += server.stats.responses;
        s.exceptions += server.stats.exceptions;
        s.dropped += server.stats.dropped;
      }
      return s;
    },
    async close() {
      await control?.close();
      await publisher?.close();
      await Promise.all(rtuServers.map((s) => s.close()));
      await Promise.all(servers.map((s) => s.close()));
    },
  };
  let control: FastifyInstance | undefined;
  if (options.controlPort !== undefined) {
    control = await buildControlServer(sim);
    try {
      await control.listen({ port: options.controlPort, host });
    } catch (err) {
      await sim.close();
      throw new SimError('SIM_LISTEN_FAILED', `control port ${options.controlPort}: ${String(err)}`, { cause: err });
    }
    const address = control.server.address();
    const port = typeof address === 'object' && address ? address.port : options.controlPort;
    (sim as { controlUrl: string | undefined }).controlUrl = `http://${host}:${port}`;
  }
  return sim;
}
