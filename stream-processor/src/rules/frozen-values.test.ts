import { describe, expect, it } from 'vitest';
import { DAY, during } from '../testing/fault-window.ts';
import { runScripted, summary } from '../testing/run-scripted.ts';
import { solarDay } from '../testing/solar-day.ts';

const devices = ['inv-1', 'inv-2', 'inv-3'];

describe('frozen_values rule', () => {
  it('opens when every value stops changing while producing, resolves when they move again', () => {
    const frozen = (m: Record<string, number | undefined>) => ({
      ...m,
      ac_power_w: 4321,
      dc_power_w: 4500,
      dc_voltage_v: 600,
      ac_voltage_v: 230,
      temperature_c: 41,
      mppt1_dc_power_w: 2250,
      mppt2_dc_power_w: 2250,
    });
    const readings = solarDay({ devices, day: DAY, fromHour: 9, toHour: 14, fault: during('inv-3', 11, 12, frozen) });
    const mine = runScripted(readings).transitions.filter((t) => t.rule === 'frozen_values');
    expect(summary(mine)).toEqual(['open:frozen_values:inv-3', 'resolve:frozen_values:inv-3']);
  });

  it('a constant 0 W at night is not frozen', () => {
    const readings = solarDay({ devices, day: DAY, fromHour: 0, toHour: 5 });
    expect(runScripted(readings).transitions).toEqual([]);
  });
});
