import { createHash } from 'node:crypto';
import { decodeDeviceMap } from '@ysh/common/sunspec';
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { loadScenarioFile, parseScenario } from './scenario.ts';
import { startSimulator } from './simulator.ts';
import { closeClient, connectClient, readSunSpecMap } from './test-support/modbus-client.ts';

const START = Date.parse('2026-11-21T12:00:00Z'); // 09:00 in São Paulo
const scenario = parseScenario({
  events: [
    { at: '2m', device: 'inv-0002', inject: { type: 'grid-fault', kind: 'overfrequency' }, for: '3m' },
    { at: '4m', device: '*', inject: { type: 'mppt-failure', mppt: 1 } },
  ],
});

/** Polls one device over Modbus for `ms` of wall time; returns registers keyed by the step time they carry (model 160 Tms). */
async function recordStream(seed: number, ms: number): Promise<Map<number, string>> {
  const sim = await startSimulator({ devices: 3, port: 0, seed, speed: 600, start: START, scenario });
  const stream = new Map<number, string>();
  const info = sim.devices[1]!;
  const client = await connectClient(info.port!, info.unitId!);
  try {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      const regs = await readSunSpecMap(client);
      const mppt = decodeDeviceMap(regs).models.find((m) => m.id === 160)!;
      const tms = (mppt.values.module as Record<string, unknown>[])[0]!.Tms as number;
      // A map read in several requests may straddle a step; keep only reads whose 2 modules agree.
      if ((mppt.values.module as Record<string, unknown>[])[1]!.Tms === tms) stream.set(tms, regs.join(','));
    }
  } finally {
    await closeClient(client);
    await sim.close();
  }
  return stream;
}

describe('determinism', () => {
  it('two runs with the same seed and a 600x clock serve identical registers at every common step', async () => {
    const [a, b] = await Promise.all([recordStream(7, 1500), recordStream(7, 1500)]);
    const common = [...a.keys()].filter((k) => b.has(k));
    expect(common.length).toBeGreaterThan(3);
    for (const k of common) expect(a.get(k)).toBe(b.get(k));
    const c = await recordStream(8, 800);
    const overlap = [...c.keys()].filter((k) => a.has(k));
    expect(overlap.length).toBeGreaterThan(0);
    expect(overlap.some((k) => a.get(k) !== c.get(k))).toBe(true);
  });

  it('replays the same per-step register stream of a whole fleet, scenario included', async () => {
    const digest = async (seed: number) => {
      const sim = await startSimulator({ devices: 20, port: 0, seed, speed: 0, start: START, scenario });
      const hash = createHash('sha256');
      for (let step = 0; step < 600; step++) {
        sim.advance(1000);
        for (const d of sim.devices) hash.update(sim.device(d.id).registers(sim.clock.now()));
      }
      const truth = sim.groundTruth('inv-0002');
      await sim.close();
      return { hash: hash.digest('hex'), truth };
    };
    const [x, y, z] = await Promise.all([digest(99), digest(99), digest(100)]);
    expect(x.hash).toBe(y.hash);
    expect(z.hash).not.toBe(x.hash);
    expect(x.truth).toEqual(y.truth);
  });
});

describe('scenario files', () => {
  it('applies faults at their simulated times and clears them after "for"', async () => {
    const sim = await startSimulator({ devices: 3, port: 0, seed: 1, speed: 0, start: START, scenario });
    try {
      const at = (min: number) => {
        sim.clock.set(START + min * 60_000);
        return sim.groundTruth('inv-0002').metrics;
      };
      expect(at(1.9).operating_state).toBe(4);
      expect(at(2.1).operating_state).toBe(7);
      expect(at(2.1).ac_frequency_hz).toBeGreaterThan(62);
      expect(at(4.5).mppt1_dc_power_w).toBe(0);
      expect(at(5.1).operating_state).toBe(4);
      expect(sim.groundTruth('inv-0003').metrics.mppt1_dc_power_w).toBe(0);
    } finally {
      await sim.close();
    }
  });

  it('runs the shipped demo scenario (scenarios/demo.yaml) on a default fleet of 10', async () => {
    const demo = await loadScenarioFile(fileURLToPath(new URL('../scenarios/demo.yaml', import.meta.url)));
    const sim = await startSimulator({ devices: 10, port: 0, speed: 0, start: START, scenario: demo });
    try {
      const at = (min: number, id: string) => {
        sim.clock.set(START + min * 60_000);
        return sim.groundTruth(id).metrics;
      };
      expect(at(21, 'inv-0002').mppt2_dc_power_w).toBe(0);
      expect(at(41, 'inv-0003').operating_state).toBe(5);
      expect(at(91, 'inv-0009').operating_state).toBe(7);
      expect(at(96, 'inv-0009').operating_state).toBe(4);
      at(121, 'inv-0005');
      expect(sim.groundTruth('inv-0005').faults).toEqual([{ type: 'comm-loss' }]);
      at(136, 'inv-0005');
      expect(sim.groundTruth('inv-0005').faults).toEqual([]);
    } finally {
      await sim.close();
    }
  });

  it('names the field of a malformed event', () => {
    expect(() => parseScenario({ events: [{ at: 'soon', device: 'x', clear: 'all' }] })).toThrow(/events\[0\]\.at/);
    expect(() => parseScenario({ events: [{ at: '1m', device: 'x', inject: { type: 'nope' } }] })).toThrow(
      /events\[0\]\.inject\.type/,
    );
    expect(() => parseScenario({ events: [{ at: '1m', device: 'x' }] })).toThrow(/events\[0\]: expected "inject"/);
    expect(() => parseScenario({})).toThrow(/scenario\.events/);
  });

  it('refuses a scenario naming an unknown device or an MPPT the device lacks, before opening ports', async () => {
    const ghost = parseScenario({ events: [{ at: '1m', device: 'inv-0404', inject: { type: 'comm-loss' } }] });
    await expect(startSimulator({ devices: 1, port: 0, scenario: ghost })).rejects.toThrow(
      /events\[0\]\.device: unknown device "inv-0404"/,
    );
    const mppt = parseScenario({ events: [{ at: '1m', device: '*', inject: { type: 'mppt-failure', mppt: 4 } }] });
    await expect(startSimulator({ devices: 1, port: 0, scenario: mppt })).rejects.toThrow(/events\[0\]\.inject\.mppt/);
  });
});
