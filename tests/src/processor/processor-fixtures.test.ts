import { describe, expect, it } from 'vitest';
import { FLEET_DAY, faultyFleet } from './fleet.ts';
import { expectedResults } from './processor-fixtures.ts';

const H = 3_600_000;
const at = (device: string, hour: number) => `${device}@${FLEET_DAY + hour * H}`;

/**
 * The expected windows of the scale and crash tests, checked by hand against the fleet's definition
 * (fleet.ts): 2 sites × 4 inverters, 10:00-12:30 at 10 s, inv-b2 in fault 10:30-11:15, inv-a3 at 81 °C
 * 11:00-11:30. None of these numbers comes from the processor.
 */
describe('expected processor results for the faulty fleet', () => {
  const expected = expectedResults(faultyFleet());

  it('has one full window per device and 5 minutes: 8 devices × 30 windows of 30 samples', () => {
    expect(expected.size).toBe(8 * 30);
    for (const w of expected.values()) {
      expect(w.samples).toBe(30);
      expect(w.availability).toBe(1);
    }
  });

  it('a window inside the fault: zero power, zero energy, no spread', () => {
    for (const hour of [10.5, 10.75, 11 + 10 / 60]) {
      const w = expected.get(at('inv-b2', hour));
      expect(w?.acPower).toEqual({ mean: 0, min: 0, max: 0, stddev: 0 });
      expect(w?.energyWh).toBe(0);
    }
    // The window after the fault produces again.
    expect(expected.get(at('inv-b2', 11.25))?.acPower?.min).toBeGreaterThan(7000);
  });

  it('a window inside the over-temperature incident: 81 °C in every sample', () => {
    expect(expected.get(at('inv-a3', 11))?.temperature).toEqual({ mean: 81, min: 81, max: 81, stddev: 0 });
    expect(expected.get(at('inv-a3', 11.5))?.temperature?.max).toBeLessThan(60);
  });

  it('the noon window: about 8.5 kW and 29 intervals of 10 s of energy', () => {
    const w = expected.get(at('inv-b1', 12));
    // 8500 W × sin(π·(h-6)/12) (1 … 0.9998 over 12:00-12:05) × a ripple of ±1 %.
    expect(w?.acPower?.mean).toBeGreaterThan(8500 * 0.9998 * 0.99);
    expect(w?.acPower?.mean).toBeLessThan(8500 * 1.01);
    expect(w?.acPower?.min).toBeLessThan(w?.acPower?.max as number);
    // The ripple's population stddev: 0.01 × 8500 / √2 ≈ 60 W, give or take the 30 samples' phase.
    expect(w?.acPower?.stddev).toBeGreaterThan(30);
    expect(w?.acPower?.stddev).toBeLessThan(90);
    // Energy: the counter's delta from the first to the last reading, 290 s at ~8.5 kW, floored to Wh.
    const wh = (8500 * 290) / 3600;
    expect(w?.energyWh).toBeGreaterThan(wh * 0.99 - 1);
    expect(w?.energyWh).toBeLessThan(wh * 1.01 + 1);
  });

  it('a reading delivered twice is counted once', () => {
    const readings = faultyFleet({ fromHour: 12, toHour: 12.25 });
    const twice = expectedResults([...readings, ...readings.slice(0, 100)]);
    expect(twice).toEqual(expectedResults(readings));
  });
});
