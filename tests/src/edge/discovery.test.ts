import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EdgeAgent } from '@ysh/edge-agent';
import type { Simulator } from '@ysh/firmware-sim';
import { identityByHand, metricsByHand, type TestReceiver, waitFor } from '@ysh/test-helpers';
import { readSimulatorByHand, SITE, type SiteUnderTest, startSite } from './fixtures.ts';

/** One simulator per SunSpec base address; the clock is stopped so registers and ground truth match exactly. */
describe.each([40000, 0, 50000] as const)('SunSpec discovery and decoding at base %i', (base) => {
  let site: SiteUnderTest;
  let sim: Simulator;
  let receiver: TestReceiver;
  let agent: EdgeAgent;

  beforeAll(async () => {
    // 5 devices: model 103 (1-3), 101 (4), 103 with 120/121/122 (5).
    site = await startSite({ sim: { devices: 5, base, seed: 7, speed: 0 } });
    ({ sim, receiver, agent } = site);
    await waitFor('a reading from every device', () =>
      sim.devices.every((d) => (receiver.byDevice.get(d.id)?.length ?? 0) >= 2),
    );
  });

  afterAll(async () => {
    await site?.close();
  });

  it('finds the SunS base and walks the model chain', () => {
    const status = agent.devices();
    for (const d of sim.devices) {
      const disc = status[d.id]?.discovery;
      expect(disc?.base).toBe(base);
      const ids = disc?.chain.map((m) => m.id) ?? [];
      expect(ids[0]).toBe(1);
      expect(ids).toContain(d.inverterModel);
      expect(ids).toContain(160);
      if (d.index % 5 === 0) expect(ids).toEqual(expect.arrayContaining([120, 121, 122]));
      // Only the inverter model and model 160 are polled, coalesced into as few reads as allowed.
      expect(disc?.polled.map((m) => m.id).sort()).toEqual([160, d.inverterModel].sort());
    }
  });

  it('decodes model 1 identity', () => {
    const truth = sim.device('inv-0004').spec;
    const identity = agent.devices()['inv-0004']?.discovery?.identity;
    expect(identity?.manufacturer).toBe(truth.manufacturer);
    expect(identity?.model).toBe(truth.modelName);
    expect(identity?.serial).toBe(truth.serial);
    expect(identity?.version).toBe(truth.version);
  });

  it('decodes models 101/103 and 160 to the ground truth', () => {
    for (const d of sim.devices) {
      const truth = sim.groundTruth(d.id);
      const reading = receiver.readings.filter((r) => r.device === d.id).at(-1);
      expect(reading?.site).toBe(SITE);
      expect(reading?.quality).toBe('good');
      expect(reading?.metrics).toEqual(truth.metrics);
      expect(Object.keys(truth.metrics)).toContain('mppt2_dc_power_w');
      expect(truth.metrics.ac_power_w).toBeGreaterThan(0);
    }
  });

  it('reports what SunSpec offsets written by hand read from the same registers (not the shared codec)', async () => {
    for (const d of sim.devices) {
      const blocks = await readSimulatorByHand(d.port as number, d.unitId as number, base);
      // Model 1 (L 66) right after the marker, the inverter model (L 50) after it, model 160 next.
      expect(blocks.slice(0, 3).map((b) => [b.id, b.address - base, b.regs.length - 2])).toEqual([
        [1, 2, 66],
        [d.inverterModel, 70, 50],
        [160, 122, 8 + 20 * d.mppts],
      ]);
      const byHand = metricsByHand(blocks);
      expect(Object.keys(byHand)).toEqual(
        expect.arrayContaining(['ac_power_w', 'ac_energy_wh', `mppt${d.mppts}_dc_power_w`]),
      );
      const reading = receiver.readings.filter((r) => r.device === d.id).at(-1);
      expect(reading?.metrics).toEqual(byHand);
      expect(sim.groundTruth(d.id).metrics).toEqual(byHand);
      const identity = agent.devices()[d.id]?.discovery?.identity;
      const id = identityByHand(blocks[0]?.regs ?? []);
      expect([identity?.manufacturer, identity?.model, identity?.serial, identity?.version]).toEqual([
        id.manufacturer,
        id.model,
        id.serial,
        id.version,
      ]);
      expect(id.serial).toBe(sim.device(d.id).spec.serial);
    }
  });
});
