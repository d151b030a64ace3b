import { describe, expect, it } from 'vitest';
import { DAY, during } from '../testing/fault-window.ts';
import { runScripted, summary } from '../testing/run-scripted.ts';
import { solarDay } from '../testing/solar-day.ts';

const devices = ['inv-1', 'inv-2', 'inv-3', 'inv-4'];

describe('specific_yield rule', () => {
  it('opens when W/Wp falls well below the site median (soiling, shading), resolves after it recovers', () => {
    // Both strings lose 40%: no imbalance, but the yield is low against peers.
    const soiled = (m: Record<string, number | undefined>) => ({
      ...m,
      ac_power_w: (m.ac_power_w ?? 0) * 0.6,
      dc_power_w: (m.dc_power_w ?? 0) * 0.6,
      mppt1_dc_power_w: (m.mppt1_dc_power_w ?? 0) * 0.6,
      mppt2_dc_power_w: (m.mppt2_dc_power_w ?? 0) * 0.6,
    });
    const readings = solarDay({ devices, day: DAY, fromHour: 8, toHour: 16, fault: during('inv-2', 10, 13, soiled) });
    const { transitions } = runScripted(readings, { nameplateWp: 10_000 });
    expect(summary(transitions)).toEqual(['open:specific_yield:inv-2', 'resolve:specific_yield:inv-2']);
    expect(transitions[0]?.value).toBeCloseTo(0.4, 1);
  });

  it('needs a nameplate: without one the rule does not judge', () => {
    const low = (m: Record<string, number | undefined>) => ({ ...m, ac_power_w: (m.ac_power_w ?? 0) * 0.5 });
    const readings = solarDay({ devices, day: DAY, fromHour: 10, toHour: 13, fault: during('inv-2', 10, 13, low) });
    const { transitions } = runScripted(readings, { rules: { efficiency_outlier: { enabled: false } } });
    expect(transitions.filter((t) => t.rule === 'specific_yield')).toEqual([]);
  });
});
