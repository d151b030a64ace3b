import { describe, expect, it } from 'vitest';
import { DAY, during, flapping } from '../testing/fault-window.ts';
import { runScripted, summary } from '../testing/run-scripted.ts';
import { solarDay } from '../testing/solar-day.ts';

const devices = ['inv-1', 'inv-2', 'inv-3'];
const hot = (m: Record<string, number | undefined>) => ({ ...m, temperature_c: 82 });

describe('over_temperature rule', () => {
  it('opens after 3 hot windows, resolves after 2 normal ones', () => {
    const readings = solarDay({ devices, day: DAY, fromHour: 9, toHour: 14, fault: during('inv-1', 11, 12, hot) });
    const mine = runScripted(readings).transitions.filter((t) => t.rule === 'over_temperature');
    expect(summary(mine)).toEqual(['open:over_temperature:inv-1', 'resolve:over_temperature:inv-1']);
    expect(mine[0]?.at).toBe(DAY + 11 * 3_600_000 + 15 * 60_000);
    expect(mine[0]?.since).toBe(DAY + 11 * 3_600_000);
    expect(mine[1]?.at).toBe(DAY + 12 * 3_600_000 + 10 * 60_000);
    expect(mine[0]?.value).toBeCloseTo(82, 0);
  });

  it('a short hot spell (shorter than openAfter windows) opens nothing', () => {
    const readings = solarDay({ devices, day: DAY, fromHour: 9, toHour: 14, fault: during('inv-1', 11, 11.15, hot) });
    expect(runScripted(readings).transitions).toEqual([]);
  });

  it('derating: throttled while hot counts even below the hard limit', () => {
    const derate = (m: Record<string, number | undefined>) => ({ ...m, temperature_c: 68, operating_state: 5 });
    const readings = solarDay({ devices, day: DAY, fromHour: 9, toHour: 14, fault: during('inv-2', 10, 11, derate) });
    const mine = runScripted(readings).transitions.filter((t) => t.rule === 'over_temperature');
    expect(summary(mine)).toEqual(['open:over_temperature:inv-2', 'resolve:over_temperature:inv-2']);
  });

  it('a flapping overheat gives one alert', () => {
    const readings = solarDay({
      devices,
      day: DAY,
      fromHour: 9,
      toHour: 15,
      fault: flapping('inv-3', 10, 13, 20, 5, hot),
    });
    const mine = runScripted(readings).transitions.filter((t) => t.rule === 'over_temperature');
    expect(summary(mine)).toEqual(['open:over_temperature:inv-3', 'resolve:over_temperature:inv-3']);
  });
});
