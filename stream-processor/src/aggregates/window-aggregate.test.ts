import { describe, expect, it } from 'vitest';
import { reading, T0 } from '../testing/readings.ts';
import { addEnergyPoint, emptyEnergy, energyOf } from './energy.ts';
import { addReading, deserializeWindow, emptyWindow, serializeWindow, windowResult } from './window-aggregate.ts';

describe('window aggregates', () => {
  it('computes mean/min/max/population stddev of each summarized metric', () => {
    const acc = emptyWindow(T0);
    for (const [i, p] of [100, 200, 300, 400].entries()) {
      addReading(acc, reading('inv-1', i, T0 + i * 10_000, { ac_power_w: p, temperature_c: 40 + i }), T0 + i * 10_000);
    }
    const r = windowResult('site-a', 'inv-1', acc, 300_000, 10_000);
    expect(r.stats.ac_power_w).toEqual({ mean: 250, min: 100, max: 400, stddev: Math.sqrt(12500) });
    expect(r.stats.temperature_c?.mean).toBeCloseTo(41.5, 12);
    expect(r.samples).toBe(4);
    expect(r.expected).toBe(30);
    expect(r.availability).toBeCloseTo(4 / 30, 12);
  });

  it('energy is the lifetime-counter delta, and survives a counter reset', () => {
    const p = emptyEnergy();
    for (const [ts, wh] of [
      [0, 1000],
      [10, 1010],
      [20, 1025],
      [30, 5], // reset to 0, then 5 Wh produced
      [40, 12],
    ] as const)
      addEnergyPoint(p, ts, wh);
    expect(energyOf(p)).toEqual({ energyWh: 10 + 15 + 5 + 7, counterResets: 1 });
  });

  it('energy does not depend on the arrival order of the counter readings', () => {
    const inOrder = emptyEnergy();
    const shuffled = emptyEnergy();
    const pts = [0, 1, 2, 3, 4, 5].map((i) => [i * 10, 500 + i * i] as const);
    for (const [t, w] of pts) addEnergyPoint(inOrder, t, w);
    for (const i of [3, 0, 5, 1, 4, 2]) addEnergyPoint(shuffled, pts[i]![0], pts[i]![1]);
    expect(energyOf(shuffled)).toEqual(energyOf(inOrder));
    expect(energyOf(inOrder)?.energyWh).toBe(25);
  });

  it('reports per-MPPT mean power, fault samples and OR-ed event bits', () => {
    const acc = emptyWindow(T0);
    addReading(acc, reading('inv-1', 1, T0, { mppt1_dc_power_w: 500, mppt2_dc_power_w: 100, events: 1 }), T0);
    addReading(
      acc,
      reading('inv-1', 2, T0 + 10_000, { mppt1_dc_power_w: 700, mppt2_dc_power_w: 300, operating_state: 7, events: 4 }),
      T0 + 10_000,
    );
    const r = windowResult('site-a', 'inv-1', acc, 300_000, 10_000);
    expect(r.mpptPower).toEqual({ '1': 600, '2': 200 });
    expect(r.faultSamples).toBe(1);
    expect(r.eventsMask).toBe(5);
    expect(r.lastState).toBe(7);
  });

  it('round-trips through its stored JSON form, empty stats included', () => {
    const acc = emptyWindow(T0);
    addReading(acc, reading('inv-1', 1, T0, { temperature_c: undefined }), T0);
    const back = deserializeWindow(serializeWindow(acc));
    expect(serializeWindow(back)).toBe(serializeWindow(acc));
    expect(windowResult('s', 'inv-1', back, 300_000, 10_000).stats.temperature_c).toBeNull();
    // The empty statistic came back empty (min +∞, max −∞), not as zeros: the first sample is both.
    addReading(back, reading('inv-1', 2, T0 + 1, { ac_power_w: 3000, temperature_c: 52 }), T0 + 1);
    const r = windowResult('s', 'inv-1', back, 300_000, 10_000);
    expect(r.stats.ac_power_w?.max).toBe(3000);
    expect(r.stats.temperature_c).toEqual({ mean: 52, min: 52, max: 52, stddev: 0 });
    expect(addReading(back, reading('inv-1', 1, T0), T0)).toBe(false);
  });
});
