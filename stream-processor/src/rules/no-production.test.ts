import { describe, expect, it } from 'vitest';
import { DAY, during } from '../testing/fault-window.ts';
import { runScripted, summary } from '../testing/run-scripted.ts';
import { solarDay } from '../testing/solar-day.ts';

const devices = ['inv-1', 'inv-2', 'inv-3', 'inv-4'];
const dead = (m: Record<string, number | undefined>) => ({
  ...m,
  ac_power_w: 0,
  dc_power_w: 0,
  mppt1_dc_power_w: 0,
  mppt2_dc_power_w: 0,
  operating_state: 2,
});

describe('no_production rule', () => {
  it('opens when a device produces nothing in daylight while its peers produce; one alert, not also specific_yield', () => {
    const readings = solarDay({ devices, day: DAY, fromHour: 8, toHour: 16, fault: during('inv-4', 10, 13, dead) });
    const { transitions } = runScripted(readings, { nameplateWp: 10_000 });
    expect(summary(transitions)).toEqual(['open:no_production:inv-4', 'resolve:no_production:inv-4']);
  });

  it('stays quiet when every device is dark (night, or the whole site shaded)', () => {
    const allDead = (_d: string, _t: number, m: Record<string, number | undefined>) => dead(m);
    const readings = solarDay({ devices, day: DAY, fromHour: 10, toHour: 12, fault: allDead });
    expect(runScripted(readings, { nameplateWp: 10_000 }).transitions).toEqual([]);
  });

  it('stays quiet at dawn when one inverter wakes up a little later than its peers', () => {
    const readings = solarDay({ devices, day: DAY, fromHour: 5, toHour: 7, fault: during('inv-1', 5, 6.25, dead) });
    expect(runScripted(readings, { nameplateWp: 10_000 }).transitions).toEqual([]);
  });
});
