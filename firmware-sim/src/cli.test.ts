import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { simCommand, simFaultCommand } from './cli.ts';
import { loadFleetFile, parseFleet } from './fleet.ts';
import { spawnSimulator, type SpawnedSimulator } from './spawn.ts';
import { closeClient, connectClient, readSunSpecMap } from './test-support/modbus-client.ts';

const FLEET = `
site: { id: site-rj-002, lat: -22.9068, lon: -43.1729, weather: clear }
devices:
  - { count: 2, model: 101, nameplateW: 3000, mppts: 1, idPrefix: rj- }
  - { count: 1, model: 103, nameplateW: 10000, mppts: 3, extraModels: [120] }
`;
const SCENARIO = `
events:
  - { at: 1h, device: rj-0001, inject: { type: grid-fault, kind: disconnect } }
`;

describe('ysh sim in a child process (fleet file, scenario, one port per device)', () => {
  let dir: string;
  let sim: SpawnedSimulator;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ysh-sim-cli-'));
    await writeFile(join(dir, 'fleet.yaml'), FLEET);
    await writeFile(join(dir, 'scenario.yaml'), SCENARIO);
    sim = await spawnSimulator([
      '--fleet',
      join(dir, 'fleet.yaml'),
      '--scenario',
      join(dir, 'scenario.yaml'),
      '--one-port-per-device',
      '--port',
      '0',
      '--control-port',
      '0',
      '--speed',
      '0',
      '--start',
      '2026-11-21T15:00:00Z',
    ]);
  });
  afterAll(async () => {
    await sim?.stop('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('serves each device of the fleet on its own port with the fleet values', async () => {
    expect(sim.ports).toHaveLength(3);
    const devices = (await (await fetch(`${sim.controlUrl}/devices`)).json()) as {
      devices: { id: string; inverterModel: number }[];
    };
    expect(devices.devices.map((d) => [d.id, d.inverterModel])).toEqual([
      ['rj-0001', 101],
      ['rj-0002', 101],
      ['inv-0003', 103],
    ]);
    const client = await connectClient(sim.ports[2]!, 17); // any unit id on a one-device port
    try {
      const regs = await readSunSpecMap(client);
      const { decodeDeviceMap } = await import('@ysh/common/sunspec');
      const models = decodeDeviceMap(regs).models;
      expect(models.map((m) => m.id)).toEqual([1, 103, 160, 120]);
      expect((models[2]!.values.module as unknown[]).length).toBe(3);
      expect(models[3]!.values.WRtg).toBe(10000);
    } finally {
      await closeClient(client);
    }
  });

  it('ysh sim-fault injects and clears faults through the control API', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await simFaultCommand.run([
        '--control-url',
        sim.controlUrl,
        '--device',
        'rj-0002',
        '--inject',
        '{"type":"comm-loss"}',
      ]);
      const client = await connectClient(sim.ports[1]!, 1, 200);
      await expect(client.readHoldingRegisters(40000, 2)).rejects.toMatchObject({
        message: expect.stringMatching(/Timed out/i),
      });
      await closeClient(client);
      await simFaultCommand.run(['--control-url', sim.controlUrl, '--device', 'rj-0002', '--clear', 'comm-loss']);
      const again = await connectClient(sim.ports[1]!, 1);
      expect((await again.readHoldingRegisters(40000, 2)).data).toEqual([0x5375, 0x6e53]);
      await closeClient(again);
      await expect(
        simFaultCommand.run(['--control-url', sim.controlUrl, '--device', 'rj-0002', '--inject', '{"type":"warp"}']),
      ).rejects.toThrow(/400/);
    } finally {
      out.mockRestore();
    }
  });

  it('runs the scenario on the simulated clock', async () => {
    const post = (body: unknown) =>
      fetch(`${sim.controlUrl}/clock`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const truth = async () =>
      ((await (await fetch(`${sim.controlUrl}/devices/rj-0001/truth`)).json()) as { metrics: Record<string, number> })
        .metrics;
    expect((await truth()).operating_state).toBe(4);
    await post({ advanceMs: 3_600_000 });
    expect((await truth()).operating_state).toBe(7);
    expect((await truth()).ac_voltage_v).toBe(0);
  });

  it('stops gracefully on SIGTERM', async () => {
    const other = await spawnSimulator(['--devices', '2', '--port', '0', '--control-port', '0']);
    expect(await other.stop('SIGTERM')).toBe(0);
    expect(other.logs.some((l) => l.msg === 'stopped')).toBe(true);
  });
});

describe('bad input names the flag or field', () => {
  it('rejects bad flags', async () => {
    await expect(simCommand.run(['--devices', 'many'])).rejects.toThrow(/--devices/);
    await expect(simCommand.run(['--base', '123'])).rejects.toThrow(/--base/);
    await expect(simCommand.run(['--frobnicate'])).rejects.toThrow(/frobnicate/);
    await expect(
      simCommand.run(['--devices', '1', '--mqtt-devices', '2', '--port', '0', '--control-port', '0']),
    ).rejects.toThrow(/--mqtt-url/);
  });

  it('rejects a malformed fleet file', async () => {
    expect(() => parseFleet({ devices: [{ model: 102 }] })).toThrow(/fleet\.devices\[0\]\.model/);
    expect(() => parseFleet({ devices: [{ count: 0 }] })).toThrow(/fleet\.devices\[0\]\.count/);
    expect(() => parseFleet({ site: { lat: 95 }, devices: [{}] })).toThrow(/fleet\.site\.lat/);
    expect(() => parseFleet({ devices: [] })).toThrow(/fleet\.devices/);
    await expect(loadFleetFile('/nonexistent/fleet.yaml')).rejects.toThrow(/cannot read/);
  });
});
