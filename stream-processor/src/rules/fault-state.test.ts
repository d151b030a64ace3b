import { describe, expect, it } from 'vitest';
import { DAY, during, flapping } from '../testing/fault-window.ts';
import { runScripted, summary } from '../testing/run-scripted.ts';
import { solarDay } from '../testing/solar-day.ts';
import { DEFAULT_RULES } from './config.ts';
import { faultState } from './fault-state.ts';
import { DEFAULT_FAULT_EVENT_MASK } from './fault-state.ts';

const devices = ['inv-1', 'inv-2', 'inv-3'];
const fault = (m: Record<string, number | undefined>) => ({ ...m, operating_state: 7, ac_power_w: 0, dc_power_w: 0 });

describe('fault_state rule', () => {
  it('opens once on SunSpec St=7 and resolves once when the fault clears', () => {
    const readings = solarDay({ devices, day: DAY, fromHour: 9, toHour: 14, fault: during('inv-2', 11, 12, fault) });
    const { transitions } = runScripted(readings, { nameplateWp: 10_000 });
    const mine = transitions.filter((t) => t.rule === 'fault_state');
    expect(summary(mine)).toEqual(['open:fault_state:inv-2', 'resolve:fault_state:inv-2']);
    expect(mine[0]?.since).toBe(DAY + 11 * 3_600_000);
    expect(mine[0]?.id).toBe(mine[1]?.id);
    expect(mine[0]?.severity).toBe('critical');
  });

  it('a fault flapping on and off gives one alert, not many', () => {
    const readings = solarDay({
      devices,
      day: DAY,
      fromHour: 9,
      toHour: 14,
      fault: flapping('inv-1', 10, 12, 3, 4, fault),
    });
    const mine = runScripted(readings, { nameplateWp: 10_000 }).transitions.filter((t) => t.rule === 'fault_state');
    expect(summary(mine)).toEqual(['open:fault_state:inv-1', 'resolve:fault_state:inv-1']);
  });

  it('fires on a fault event bit alone and names it', () => {
    const readings = solarDay({
      devices,
      day: DAY,
      fromHour: 10,
      toHour: 12,
      fault: during('inv-3', 10.5, 11, (m) => ({ ...m, events: 1 })),
    });
    const mine = runScripted(readings).transitions.filter((t) => t.rule === 'fault_state');
    expect(summary(mine)).toEqual(['open:fault_state:inv-3', 'resolve:fault_state:inv-3']);
    expect(mine[0]?.message).toContain('GROUND_FAULT');
  });

  it('ignores event bits outside the configured mask', () => {
    const r = {
      samples: 30,
      faultSamples: 0,
      eventsMask: 1 << 5, // CABINET_OPEN
    } as Parameters<typeof faultState.evaluate>[0];
    expect(faultState.evaluate(r, DEFAULT_RULES.fault_state, undefined).verdict?.bad).toBe(false);
    expect(
      faultState.evaluate(
        r,
        { ...DEFAULT_RULES.fault_state, eventMask: DEFAULT_FAULT_EVENT_MASK | (1 << 5) },
        undefined,
      ).verdict?.bad,
    ).toBe(true);
  });
});
