import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ModbusSerial from 'modbus-serial';
import { startSimulator } from '@ysh/firmware-sim';
import type { Benchmark, BenchRow } from './types.ts';
import { freePort } from '@ysh/test-helpers';

const run = promisify(execFile);
const CLIENT = fileURLToPath(new URL('./sim-load-client.ts', import.meta.url));
const DEVICES = 500;
const CONNECTIONS = 32;
const DEPTH = 1;
const SECONDS = 4;
// Model 103 of the first device layout: 52 registers from 40070.
const ADDRESS = 40070;
const COUNT = 52;

async function load(
  ports: number[],
  connections = CONNECTIONS,
  unitsPerPort = 247,
): Promise<{ rate: number; errors: number }> {
  const plan = {
    ports,
    units: DEVICES,
    unitsPerPort,
    connections,
    depth: DEPTH,
    seconds: SECONDS,
    address: ADDRESS,
    count: COUNT,
  };
  const { stdout } = await run(process.execPath, ['--import', 'tsx', CLIENT, JSON.stringify(plan)], {
    timeout: 60_000,
  });
  const r = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { done: number; errors: number; seconds: number };
  return { rate: r.done / r.seconds, errors: r.errors };
}

/**
 * modbus-serial's ServerTCP serving the same 500 register maps, laid out like the simulator it is compared
 * with: one server per entry of `maps` (247 unit ids each on shared ports, or one device each), unitID 255 = any.
 */
async function startServerTcpPeer(
  maps: Map<number, Uint16Array>[],
): Promise<{ ports: number[]; close(): Promise<void> }> {
  const servers: { close(cb: () => void): void }[] = [];
  const ports: number[] = [];
  const ServerTCP = (
    ModbusSerial as unknown as {
      ServerTCP: new (
        v: unknown,
        o: unknown,
      ) => { on(e: string, f: (err?: unknown) => void): void; close(cb: () => void): void };
    }
  ).ServerTCP;
  for (const units of maps) {
    const vector = {
      getMultipleHoldingRegisters(
        addr: number,
        length: number,
        unitID: number,
        cb: (err: unknown, v?: number[]) => void,
      ) {
        const regs = units.get(unitID);
        if (!regs || addr < 40000 || addr - 40000 + length > regs.length)
          return cb({ modbusErrorCode: 0x02, msg: 'Illegal address' });
        cb(null, Array.from(regs.subarray(addr - 40000, addr - 40000 + length)));
      },
    };
    // ServerTCP treats port 0 as "default 502", so pick a free port first.
    const port = await freePort();
    const server = new ServerTCP(vector, { host: '127.0.0.1', port, unitID: 255 });
    await new Promise<void>((resolve, reject) => {
      server.on('initialized', () => resolve());
      server.on('serverError', reject);
    });
    servers.push(server);
    ports.push(port);
  }
  return {
    ports,
    close: () => Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r())))).then(() => {}),
  };
}

export const simBenchmark: Benchmark = {
  group: 'sim',
  description: `Modbus TCP block reads/s (${COUNT} registers, FC3) across ${DEVICES} simulated devices, ${CONNECTIONS} client connections`,
  async run(): Promise<BenchRow[]> {
    const sim = await startSimulator({
      devices: DEVICES,
      port: 0,
      seed: 1,
      speed: 60,
      start: Date.parse('2026-11-21T15:00:00Z'),
    });
    let ours: { rate: number; errors: number };
    const maps: Map<number, Uint16Array>[] = [];
    const perDeviceMaps: Map<number, Uint16Array>[] = [];
    try {
      ours = await load(sim.ports);
      for (const info of sim.devices) {
        const idx = Math.floor((info.index - 1) / 247);
        const regs = sim.device(info.id).registers(sim.clock.now());
        maps[idx] ??= new Map();
        maps[idx].set(info.unitId!, regs);
        perDeviceMaps.push(new Map([[1, regs]]));
      }
    } finally {
      await sim.close();
    }
    // One port per device: 500 listening ports, one client connection to each.
    const perDevice = await startSimulator({
      devices: DEVICES,
      port: 0,
      seed: 1,
      speed: 60,
      start: Date.parse('2026-11-21T15:00:00Z'),
      onePortPerDevice: true,
    });
    let ownPorts: { rate: number; errors: number };
    try {
      ownPorts = await load(perDevice.ports, DEVICES, 1);
    } finally {
      await perDevice.close();
    }
    const peer = await startServerTcpPeer(maps);
    let theirs: { rate: number; errors: number };
    try {
      theirs = await load(peer.ports);
    } finally {
      await peer.close();
    }
    // The peer of the one-port-per-device row under the same conditions: 500 ServerTCP ports, 500 connections.
    const perDevicePeer = await startServerTcpPeer(perDeviceMaps);
    let theirsPerDevice: { rate: number; errors: number };
    try {
      theirsPerDevice = await load(perDevicePeer.ports, DEVICES, 1);
    } finally {
      await perDevicePeer.close();
    }
    return [
      {
        group: 'sim',
        name: `block reads/s, ${DEVICES} devices on ${sim.ports.length} ports, ${CONNECTIONS} connections`,
        value: ours.rate,
        unit: 'reads/s',
        peer: 'modbus-serial ServerTCP, same maps and load',
        peerValue: theirs.rate,
        ratio: ours.rate / theirs.rate,
        target: '≥ 20,000 reads/s',
        met: ours.rate >= 20_000,
        notes: `simulator at 60x with live physics; exceptions: ours ${ours.errors}, peer ${theirs.errors}`,
      },
      {
        group: 'sim',
        name: `block reads/s, ${DEVICES} devices, one port each, one connection per device`,
        value: ownPorts.rate,
        unit: 'reads/s',
        peer: `modbus-serial ServerTCP, one port per device, same maps and load (${DEVICES} connections)`,
        peerValue: theirsPerDevice.rate,
        ratio: ownPorts.rate / theirsPerDevice.rate,
        target: '≥ 20,000 reads/s',
        met: ownPorts.rate >= 20_000,
        notes: `exceptions: ours ${ownPorts.errors}, peer ${theirsPerDevice.errors}`,
      },
    ];
  },
};
