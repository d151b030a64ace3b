import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EdgeAgent } from '@ysh/edge-agent';
import type { Simulator } from '@ysh/firmware-sim';
import type { TestReceiver } from '@ysh/test-helpers';
import { SITE, type SiteUnderTest, startSite } from './fixtures.ts';
import { waitFor } from '@ysh/test-helpers';

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
});
