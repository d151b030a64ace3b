import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@ysh/common';
import { parseSiteConfig, startEdgeAgent, type EdgeAgent } from '@ysh/edge-agent';
import { startSimulator, type Simulator } from '@ysh/firmware-sim';
import { stringify } from 'yaml';
import {
  hasTool,
  metricsByHand,
  startTestReceiver,
  type TestReceiver,
  NOON,
  tempDir,
  waitFor,
} from '@ysh/test-helpers';
import { readSimulatorByHand, SITE, TOKEN } from './fixtures.ts';
import { startPtyPair } from './pty-pair.ts';

const logger = createLogger('edge-agent-test', { level: 'silent' });

describe.skipIf(!hasTool('socat'))('Modbus RTU over a virtual serial pair (socat pty)', () => {
  let sim: Simulator;
  let pty: Awaited<ReturnType<typeof startPtyPair>>;
  let slave: Awaited<ReturnType<Simulator['serveRtu']>>;
  let receiver: TestReceiver;
  let agent: EdgeAgent;
  let dir: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    sim = await startSimulator({ devices: 4, port: 0, seed: 13, speed: 0, start: NOON });
    pty = await startPtyPair();
    // The simulator's own RTU slaves (unit ids 1-4) on one end of the virtual line.
    slave = await sim.serveRtu(pty.a, { baudRate: 115200 });
    receiver = await startTestReceiver({ token: TOKEN });
    dir = await tempDir();
    const yaml = stringify({
      site: SITE,
      gateway: { url: receiver.url, token: TOKEN, retryMin: '20ms' },
      // All four share one RS-485 line; each poll is two block reads (inverter model + model 160).
      defaults: { interval: '60ms', timeout: '300ms', retries: 1 },
      devices: sim.devices.map((d, i) => ({
        id: d.id,
        transport: 'rtu',
        serial: pty.b,
        baud: 115200,
        parity: 'none',
        unitId: i + 1,
      })),
    });
    agent = await startEdgeAgent(parseSiteConfig(yaml), { dataDir: dir.path, port: 0, logger });
  });

  afterAll(async () => {
    await agent?.stop();
    await slave?.close();
    await pty?.close();
    await receiver?.close();
    await sim?.close();
    await dir?.remove();
  });

  it('polls every RTU device and decodes the ground truth', async () => {
    await waitFor(
      'readings from every RTU device',
      () => sim.devices.every((d) => (receiver.byDevice.get(d.id)?.length ?? 0) >= 5),
      30_000,
    );
    for (const d of sim.devices) {
      const reading = receiver.readings.filter((r) => r.device === d.id).at(-1);
      expect(reading?.metrics).toEqual(sim.groundTruth(d.id).metrics);
      // The same device's registers (served over TCP too) decoded at SunSpec offsets written by hand.
      const byHand = metricsByHand(await readSimulatorByHand(d.port as number, d.unitId as number));
      expect(byHand.ac_power_w).toBeGreaterThan(0);
      expect(reading?.metrics).toEqual(byHand);
    }
  });

  it('never has more than one request on the line', async () => {
    await waitFor('a busy line', () => slave.stats.requests > 40);
    const buses = agent.buses();
    expect(Object.keys(buses)).toEqual([pty.b]);
    expect(buses[pty.b]?.maxInFlight).toBe(1);
    // A second request sent before the first answer would garble both frames on a real line:
    // the slaves saw only whole, valid frames and answered each one.
    expect(slave.stats.requests).toBeGreaterThan(40);
    expect(slave.stats.crcErrors).toBe(0);
    expect(slave.stats.requests - slave.stats.responses).toBeLessThanOrEqual(1); // one may be on the line now
  });
});
