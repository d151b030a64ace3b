import { createLogger, type Reading } from '@ysh/common';
import { parseSiteConfig, startEdgeAgent, type EdgeAgent } from '@ysh/edge-agent';
import { startSimulator, type Simulator, type SimulatorOptions } from '@ysh/firmware-sim';
import ModbusSerial from 'modbus-serial';
import { stringify } from 'yaml';
import {
  type ModelBlock,
  NOON,
  readSunSpecByHand,
  startTestReceiver,
  type TempDir,
  type TestReceiver,
  tempDir,
} from '@ysh/test-helpers';

type ModbusClient = InstanceType<typeof import('modbus-serial')['default']>;
// The typings declare the default export as the class; the CJS build is the constructor itself.
const ModbusClient = ModbusSerial as unknown as new () => ModbusClient;

/**
 * A simulated device's SunSpec blocks read over Modbus TCP by modbus-serial and walked with the
 * hand-written offsets of @ysh/test-helpers (not the project's codec): what tests compare decoded readings with.
 */
export async function readSimulatorByHand(port: number, unitId: number, base = 40000): Promise<ModelBlock[]> {
  const client = new ModbusClient();
  await client.connectTCP('127.0.0.1', { port });
  client.setID(unitId);
  client.setTimeout(5000);
  try {
    return await readSunSpecByHand(
      async (address, count) => (await client.readHoldingRegisters(address, count)).data,
      base,
    );
  } finally {
    await new Promise<void>((resolve) => client.close(() => resolve()));
  }
}

export const SITE = 'site-sp-001';
export const TOKEN = 'edge-test-token';

export interface SimDevice {
  id: string;
  host?: string;
  port?: number;
  unitId?: number;
}

export interface SiteYamlOptions {
  gatewayUrl: string;
  devices: SimDevice[];
  interval?: string;
  timeout?: string;
  retries?: number;
  buffer?: Record<string, unknown>;
  polling?: Record<string, unknown>;
  buses?: Record<string, unknown>;
  gateway?: Record<string, unknown>;
  extraDevices?: Record<string, unknown>[];
}

/** A site config YAML for simulator devices (the agent parses it like any operator's file). */
export function siteYaml(o: SiteYamlOptions): string {
  return stringify({
    site: SITE,
    gateway: {
      url: o.gatewayUrl,
      token: TOKEN,
      retryMin: '20ms',
      retryMax: '200ms',
      timeout: '5s',
      linger: '10ms',
      ...o.gateway,
    },
    defaults: { interval: o.interval ?? '100ms', timeout: o.timeout ?? '500ms', retries: o.retries ?? 1 },
    ...(o.buffer ? { buffer: o.buffer } : {}),
    ...(o.polling ? { polling: o.polling } : {}),
    ...(o.buses ? { buses: o.buses } : {}),
    devices: [
      ...o.devices.map((d) => ({
        id: d.id,
        transport: 'tcp',
        host: d.host ?? '127.0.0.1',
        port: d.port,
        unitId: d.unitId,
      })),
      ...(o.extraDevices ?? []),
    ],
  });
}

/** A simulator fleet, the batch-contract receiver and an in-process agent polling the fleet. */
export interface SiteUnderTest {
  sim: Simulator;
  receiver: TestReceiver;
  agent: EdgeAgent;
  dir: TempDir;
  /** Every reading the agent reported durably stored, in order. */
  stored: Reading[];
  close(): Promise<void>;
}

export async function startSite(options: {
  sim: SimulatorOptions;
  yaml?: Omit<SiteYamlOptions, 'gatewayUrl' | 'devices'>;
  /** Runs after the simulator started, before the agent does (fault injection). */
  prepare?: (sim: Simulator) => void;
}): Promise<SiteUnderTest> {
  const sim = await startSimulator({ port: 0, start: NOON, ...options.sim });
  options.prepare?.(sim);
  const receiver = await startTestReceiver({ token: TOKEN, site: SITE });
  const dir = await tempDir();
  const stored: Reading[] = [];
  const config = parseSiteConfig(siteYaml({ gatewayUrl: receiver.url, devices: sim.devices, ...options.yaml }));
  const agent = await startEdgeAgent(config, {
    dataDir: dir.path,
    port: 0,
    logger: createLogger('edge-agent-test', { level: 'silent' }),
    onStored: (rs) => stored.push(...rs),
  });
  return {
    sim,
    receiver,
    agent,
    dir,
    stored,
    async close() {
      await agent.stop();
      await receiver.close();
      await sim.close();
      await dir.remove();
    },
  };
}
