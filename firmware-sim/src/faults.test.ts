import { decodeDeviceMap, toContractMetrics } from '@ysh/common/sunspec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from './simulator.ts';
import { closeClient, connectClient, readSunSpecMap } from './test-support/modbus-client.ts';

const NOON_SP = Date.parse('2026-11-21T15:00:00Z');
const bit = (n: number) => 2 ** n;

describe('faults injected through the HTTP control API, observed over Modbus', () => {
  let sim: Simulator;
  let url: string;
  beforeAll(async () => {
    sim = await startSimulator({ devices: 12, port: 0, seed: 3, speed: 0, start: NOON_SP, controlPort: 0 });
    url = sim.controlUrl!;
  });
  afterAll(() => sim.close());

  async function inject(id: string, fault: unknown): Promise<Response> {
    return fetch(`${url}/devices/${id}/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(fault),
    });
  }
  async function clear(id: string, type: string): Promise<void> {
    const res = await fetch(`${url}/devices/${id}/faults/${type}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
  }
  async function read(id: string, timeoutMs = 2000) {
    const info = sim.devices.find((d) => d.id === id)!;
    const client = await connectClient(info.port!, info.unitId!, timeoutMs);
    try {
      const regs = await readSunSpecMap(client);
      const { models } = decodeDeviceMap(regs);
      return { regs, models, metrics: toContractMetrics(models) };
    } finally {
      await closeClient(client);
    }
  }
  async function truth(id: string) {
    return (await (await fetch(`${url}/devices/${id}/truth`)).json()) as {
      metrics: Record<string, number>;
      faults: unknown[];
    };
  }

  it('mppt-failure: that MPPT drops to 0 W with DCSt FAULT, the other keeps producing, Evt1 BLOWN_STRING_FUSE', async () => {
    expect((await inject('inv-0001', { type: 'mppt-failure', mppt: 2 })).status).toBe(201);
    const { models, metrics } = await read('inv-0001');
    const modules = models.find((m) => m.id === 160)!.values.module as Record<string, unknown>[];
    expect(modules[1]!.DCW).toBe(0);
    expect(modules[1]!.DCSt).toBe(7);
    expect(modules[0]!.DCW as number).toBeGreaterThan(500);
    expect(metrics.events! & bit(12)).toBe(bit(12));
    expect(metrics).toEqual((await truth('inv-0001')).metrics);
    await clear('inv-0001', 'mppt-failure');
    expect((await read('inv-0001')).metrics.mppt2_dc_power_w).toBeGreaterThan(500);
  });

  it('over-temperature: output derated to 40 % with St THROTTLED and Evt1 OVER_TEMP', async () => {
    const before = (await read('inv-0002')).metrics;
    expect(before.ac_power_w).toBeGreaterThan(2500);
    await inject('inv-0002', { type: 'over-temperature', deratePct: 40, heatsinkC: 90 });
    const { metrics } = await read('inv-0002');
    expect(metrics.ac_power_w).toBe(2000);
    expect(metrics.operating_state).toBe(5);
    expect(metrics.events! & bit(7)).toBe(bit(7));
    expect(metrics.heatsink_temperature_c).toBeGreaterThan(85);
  });

  it('grid-fault: St FAULT (7), no AC power, Evt1 GRID_DISCONNECT + AC_UNDER_VOLT, low voltage', async () => {
    await inject('inv-0003', { type: 'grid-fault', kind: 'undervoltage' });
    const { metrics } = await read('inv-0003');
    expect(metrics.operating_state).toBe(7);
    expect(metrics.ac_power_w).toBe(0);
    expect(metrics.events).toBe(bit(4) + bit(11));
    expect(metrics.ac_voltage_v).toBeLessThan(180);
    await clear('inv-0003', 'grid-fault');
    expect((await read('inv-0003')).metrics.operating_state).toBe(4);
  });

  it('comm-loss: no Modbus answer within the client timeout while other units on the port answer', async () => {
    await inject('inv-0004', { type: 'comm-loss' });
    await expect(read('inv-0004', 300)).rejects.toMatchObject({ message: expect.stringMatching(/Timed out/i) });
    expect((await read('inv-0005')).metrics.ac_power_w).toBeGreaterThan(0);
    await clear('inv-0004', 'comm-loss');
    expect((await read('inv-0004')).metrics.ac_power_w).toBeGreaterThan(0);
  });

  it('slow-response: a short-timeout client times out, a patient one gets correct values', async () => {
    await inject('inv-0006', { type: 'slow-response', delayMs: 200 });
    await expect(read('inv-0006', 80)).rejects.toMatchObject({ message: expect.stringMatching(/Timed out/i) });
    const { metrics } = await read('inv-0006', 3000);
    expect(metrics).toEqual((await truth('inv-0006')).metrics);
    await clear('inv-0006', 'slow-response');
  });

  it('modbus-exception: every request gets the configured exception code', async () => {
    await inject('inv-0007', { type: 'modbus-exception', code: 6 });
    await expect(read('inv-0007')).rejects.toMatchObject({ modbusCode: 6 });
    await inject('inv-0007', { type: 'modbus-exception' });
    await expect(read('inv-0007')).rejects.toMatchObject({ modbusCode: 4 });
    await clear('inv-0007', 'modbus-exception');
  });

  it('frozen-values: registers stop changing while the ground truth moves on', async () => {
    await inject('inv-0008', { type: 'frozen-values' });
    const before = await read('inv-0008');
    sim.advance(20 * 60_000);
    const after = await read('inv-0008');
    expect(after.regs).toEqual(before.regs);
    const t = await truth('inv-0008');
    expect(t.metrics.ac_energy_wh).toBeGreaterThan(before.metrics.ac_energy_wh!);
    await clear('inv-0008', 'frozen-values');
    expect((await read('inv-0008')).metrics).toEqual((await truth('inv-0008')).metrics);
  });

  it('energy-reset: the lifetime counter restarts from 0 (acc32 0 reads as not implemented) and counts again', async () => {
    const before = (await read('inv-0009')).metrics.ac_energy_wh!;
    expect(before).toBeGreaterThan(1_000_000);
    await inject('inv-0009', { type: 'energy-reset' });
    expect((await read('inv-0009')).metrics.ac_energy_wh).toBeUndefined();
    sim.advance(10 * 60_000);
    const after = (await read('inv-0009')).metrics.ac_energy_wh!;
    expect(after).toBeGreaterThan(0);
    expect(after).toBeLessThan(2000);
  });

  it('clock-skew: a Modbus device carries its clock error in the model 160 Tms registers', async () => {
    const tmsOf = async () => {
      const { models } = await read('inv-0011');
      return (models.find((m) => m.id === 160)!.values.module as Record<string, unknown>[])[0]!.Tms as number;
    };
    const before = await tmsOf();
    await inject('inv-0011', { type: 'clock-skew', skewMs: -3_600_000 });
    expect(await tmsOf()).toBe(before - 3600);
    await clear('inv-0011', 'clock-skew');
    expect(await tmsOf()).toBe(before);
  });

  it('rejects a bad fault with 400 naming the field, and an unknown device with 404', async () => {
    const res = await inject('inv-0010', { type: 'slow-response' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: 'SIM_BAD_FAULT',
      message: expect.stringContaining('fault.delayMs'),
    });
    const res2 = await inject('inv-0010', { type: 'grid-fault', kind: 'meteor' });
    expect(((await res2.json()) as { message: string }).message).toContain('fault.kind');
    expect((await inject('inv-9999', { type: 'comm-loss' })).status).toBe(404);
    const res3 = await inject('inv-0010', { type: 'mppt-failure', mppt: 3 });
    expect(res3.status).toBe(400);
    expect(((await res3.json()) as { message: string }).message).toMatch(/fault\.mppt: device inv-0010 has 2 MPPT/);
  });

  it('serves /health, /metrics and the clock', async () => {
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/ysh_sim_modbus_requests_total\{[^}]*\} [1-9]/);
    expect(metrics).toMatch(/ysh_sim_modbus_dropped_total\{[^}]*\} [1-9]/);
    const clock = (await (
      await fetch(`${url}/clock`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"advanceMs":60000}',
      })
    ).json()) as { now: string };
    expect(Date.parse(clock.now)).toBe(NOON_SP + 31 * 60_000);
  });
});
