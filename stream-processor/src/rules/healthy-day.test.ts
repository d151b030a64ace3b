import { describe, expect, it } from 'vitest';
import { solarDay } from '../testing/solar-day.ts';
import { runScripted } from '../testing/run-scripted.ts';

const DAY = Date.parse('2026-11-21T00:00:00Z');

describe('every rule on a healthy day', () => {
  it('stays quiet through night, dawn, dusk and passing clouds', () => {
    const readings = solarDay({
      devices: ['inv-1', 'inv-2', 'inv-3', 'inv-4'],
      day: DAY,
      clouds: [
        [9.5, 9.6, 0.3],
        [11, 11.4, 0.25],
        [14.2, 14.3, 0.5],
      ],
    });
    const { results, transitions } = runScripted(readings, { nameplateWp: 10_000 });
    expect(results.length).toBe(4 * 287);
    expect(transitions).toEqual([]);
  });
});
