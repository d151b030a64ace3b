import { describe, expect, it } from 'vitest';
import { DAY, during } from '../testing/fault-window.ts';
import { runScripted, summary } from '../testing/run-scripted.ts';
import { solarDay } from '../testing/solar-day.ts';

const devices = ['inv-1', 'inv-2', 'inv-3'];

describe('mppt_imbalance rule', () => {
  it('opens when one string delivers far less than the others, resolves when it recovers', () => {
    const stringDown = (m: Record<string, number | undefined>) => ({
      ...m,
      mppt2_dc_power_w: (m.mppt2_dc_power_w ?? 0) * 0.2,
    });
    const readings = solarDay({
      devices,
      day: DAY,
      fromHour: 9,
      toHour: 15,
      fault: during('inv-2', 10, 12, stringDown),
    });
    const mine = runScripted(readings).transitions.filter((t) => t.rule === 'mppt_imbalance');
    expect(summary(mine)).toEqual(['open:mppt_imbalance:inv-2', 'resolve:mppt_imbalance:inv-2']);
    expect(mine[0]?.value).toBeCloseTo(0.8, 2);
    expect(mine[0]?.message).toContain('MPPT 2');
  });

  it('is not judged in low light (the weakest string is noise at dawn)', () => {
    const uneven = (m: Record<string, number | undefined>) => ({ ...m, mppt2_dc_power_w: 0 });
    const readings = solarDay({ devices, day: DAY, fromHour: 5, toHour: 6.3, fault: during('inv-1', 5, 7, uneven) });
    expect(runScripted(readings).transitions.filter((t) => t.rule === 'mppt_imbalance')).toEqual([]);
  });
});
