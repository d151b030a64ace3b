import { decodeDeviceMap, deviceIdentity, toContractMetrics } from '@ysh/common/sunspec';
import { identityByHand, metricsByHand, readSunSpecByHand } from '@ysh/test-helpers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from './simulator.ts';
import { closeClient, connectClient, readSunSpecMap } from './test-support/modbus-client.ts';

const NOON_SP = Date.parse('2026-11-21T15:00:00Z'); // 12:00 in São Paulo (UTC-3)

describe('simulator over Modbus TCP (modbus-serial client)', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ devices: 300, port: 0, seed: 11, speed: 0, start: NOON_SP });
  });
  afterAll(() => sim.close());

  it('addresses device k at port P + floor((k-1)/247), unit ((k-1) mod 247) + 1', () => {
    expect(sim.ports).toHaveLength(2);
    const d1 = sim.devices[0]!;
    const d247 = sim.devices[246]!;
    const d248 = sim.devices[247]!;
    expect([d1.port, d1.unitId]).toEqual([sim.ports[0], 1]);
    expect([d247.port, d247.unitId]).toEqual([sim.ports[0], 247]);
    expect([d248.port, d248.unitId]).toEqual([sim.ports[1], 1]);
  });

  it('serves a SunSpec map whose decoded values equal the ground truth', async () => {
    for (const info of [sim.devices[0]!, sim.devices[3]!, sim.devices[260]!]) {
      const client = await connectClient(info.port!, info.unitId!);
      try {
        const regs = await readSunSpecMap(client);
        const { models, complete } = decodeDeviceMap(regs);
        expect(complete).toBe(true);
        expect(models.map((m) => m.id)).toEqual(
          info.index % 5 === 0 ? [1, info.inverterModel, 160, 120, 121, 122] : [1, info.inverterModel, 160],
        );
        const truth = sim.groundTruth(info.id);
        expect(toContractMetrics(models)).toEqual(truth.metrics);
        expect(deviceIdentity(models[0]!).serial).toBe(`YSH${String(info.index).padStart(8, '0')}`);
        // The codec both encodes and decodes here: the same registers at SunSpec offsets written by hand.
        const blocks = await readSunSpecByHand(async (a, n) => regs.slice(a - 40000, a - 40000 + n), 40000);
        expect(metricsByHand(blocks)).toEqual(truth.metrics);
        expect(identityByHand(blocks[0]!.regs).serial).toBe(`YSH${String(info.index).padStart(8, '0')}`);
        expect(truth.metrics.ac_power_w).toBeGreaterThan(1000);
      } finally {
        await closeClient(client);
      }
    }
  });

  it('answers an unknown unit id with exception 0x0B and a read past the map with 0x02', async () => {
    const client = await connectClient(sim.ports[1]!, 200);
    try {
      await expect(client.readHoldingRegisters(40000, 2)).rejects.toMatchObject({ modbusCode: 0x0b });
      client.setID(1);
      await expect(client.readHoldingRegisters(40000 + 170, 20)).rejects.toMatchObject({ modbusCode: 0x02 });
      await expect(client.readHoldingRegisters(39990, 2)).rejects.toMatchObject({ modbusCode: 0x02 });
    } finally {
      await closeClient(client);
    }
  });
});

describe('SunS base option', () => {
  it.each([0, 50000] as const)('serves the map at base %i', async (base) => {
    const sim = await startSimulator({ devices: 1, port: 0, base, speed: 0, start: NOON_SP });
    const client = await connectClient(sim.ports[0]!, 1);
    try {
      const regs = await readSunSpecMap(client, base);
      expect(regs.slice(0, 2)).toEqual([0x5375, 0x6e53]);
      await expect(client.readHoldingRegisters(40000, 2)).rejects.toMatchObject({ modbusCode: 0x02 });
    } finally {
      await closeClient(client);
      await sim.close();
    }
  });
});

describe('5,000 devices in one process', () => {
  it('spreads them over 21 ports by the addressing rule and serves the last one', async () => {
    const sim = await startSimulator({ devices: 5000, port: 0, speed: 0, start: NOON_SP });
    try {
      expect(sim.ports).toHaveLength(21);
      const last = sim.devices[4999]!;
      expect([last.port, last.unitId]).toEqual([sim.ports[20], 4999 - 20 * 247 + 1]);
      const client = await connectClient(last.port!, last.unitId!);
      try {
        const { models } = decodeDeviceMap(await readSunSpecMap(client));
        expect(deviceIdentity(models[0]!).serial).toBe('YSH00005000');
        expect(toContractMetrics(models)).toEqual(sim.groundTruth('inv-5000').metrics);
      } finally {
        await closeClient(client);
      }
    } finally {
      await sim.close();
    }
  });
});
