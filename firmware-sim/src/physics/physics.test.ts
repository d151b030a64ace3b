import { OPERATING_STATE } from '@ysh/common';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SITE, defaultDevice, type DeviceSpec } from '../device/device-spec.ts';
import { SimulatedDevice } from '../device/simulated-device.ts';
import { inverterEfficiency } from './inverter.ts';
import { sunVector } from './sun.ts';

const MIN = 60_000;
const DAY = 86_400_000;

function device(over: Partial<DeviceSpec>, seed = 1, t0 = Date.parse('2026-11-21T03:00:00Z'), stepMs = MIN) {
  const spec = { ...defaultDevice(1), initialEnergyWh: 1_000_000, ...over };
  return new SimulatedDevice(spec, seed, t0, stepMs);
}

function dailyEnergyKwh(day: string): number {
  const t0 = Date.parse(`${day}T03:00:00Z`); // local midnight in São Paulo (UTC-3)
  const d = device({ site: { ...DEFAULT_SITE, weather: 'clear' }, dcWp: 5000, nameplateW: 5000 }, 1, t0);
  const start = d.current(t0).energyWh;
  return (d.current(t0 + DAY).energyWh - start) / 1000;
}

describe('sun position', () => {
  it('puts the sun near the zenith at São Paulo solar noon on the December solstice and below the horizon at midnight', () => {
    // Solar noon at 46.63° W is about 15:06 UTC; declination -23.44° ≈ latitude -23.55°.
    const noon = sunVector(Date.parse('2026-12-21T15:06:00Z'), DEFAULT_SITE.latDeg, DEFAULT_SITE.lonDeg);
    expect(noon.up).toBeGreaterThan(0.999);
    const midnight = sunVector(Date.parse('2026-12-21T03:06:00Z'), DEFAULT_SITE.latDeg, DEFAULT_SITE.lonDeg);
    expect(midnight.up).toBeLessThan(-0.6); // lower culmination: 23.5 + 23.4 - 90 = -43° altitude
  });
});

describe('daily energy of a 5 kWp system in São Paulo on a clear day', () => {
  /*
   * Reference: CRESESB SunData (CEPEL) gives São Paulo an annual mean of 3.96 kWh/m²·day on the
   * horizontal plane and about 4.5–5.0 kWh/m²·day on a plane tilted at the latitude ("HSP 5,0",
   * LABREN/INPE Atlas Brasileiro de Energia Solar). With a performance ratio of 0.8 a 5 kWp system
   * therefore averages 5 × 4.5 × 0.8 ≈ 18 kWh/day over all weather; a clear day must yield more.
   * The upper bound is the clear-sky limit: at 23.5° S the tilted plane receives at most about
   * 8 kWh/m²·day, so 5 × 8 × 0.85 = 34 kWh. Range checked: 18–34 kWh/day.
   * (No irradiance data file was available in /shared/data/irradiance; see NOT_FOUND.txt there.)
   */
  it.each(['2026-11-21', '2026-06-21'])('%s is within 18–34 kWh', (day) => {
    const kwh = dailyEnergyKwh(day);
    expect(kwh).toBeGreaterThan(18);
    expect(kwh).toBeLessThan(34);
  });

  it('yields more in November (near the summer solstice) than in June', () => {
    expect(dailyEnergyKwh('2026-11-21')).toBeGreaterThan(dailyEnergyKwh('2026-06-21'));
  });
});

describe('invariants over three variable-weather days', () => {
  const d = device({ dcWp: 8000, nameplateW: 5000 }, 42, Date.parse('2026-01-10T03:00:00Z'), 5 * MIN);
  const samples = Array.from({ length: (3 * DAY) / (5 * MIN) }, (_, i) => {
    const o = d.current(d.t0 + (i + 1) * 5 * MIN);
    return { ...o, truth: d.truth(d.t0 + (i + 1) * 5 * MIN) };
  });

  it('never lets the energy counter go down', () => {
    for (let i = 1; i < samples.length; i++) {
      expect(samples[i]!.energyWh).toBeGreaterThanOrEqual(samples[i - 1]!.energyWh);
      expect(samples[i]!.truth.metrics.ac_energy_wh).toBeGreaterThanOrEqual(
        samples[i - 1]!.truth.metrics.ac_energy_wh!,
      );
    }
    expect(samples.at(-1)!.energyWh).toBeGreaterThan(samples[0]!.energyWh);
  });

  it('never exceeds the nameplate and clips an oversized array at it', () => {
    for (const s of samples) expect(s.acW).toBeLessThanOrEqual(5000);
    expect(samples.some((s) => s.acW === 5000)).toBe(true);
  });

  it('produces 0 W at night with operating state SLEEPING', () => {
    const night = samples.filter((s) => s.poaWm2 === 0);
    expect(night.length).toBeGreaterThan(100);
    for (const s of night) {
      expect(s.acW).toBe(0);
      expect(s.state).toBe(OPERATING_STATE.SLEEPING);
      expect(s.truth.metrics.operating_state).toBe(2);
    }
    expect(samples.some((s) => s.state === OPERATING_STATE.MPPT)).toBe(true);
  });

  it('has clouds: the same hour differs from day to day', () => {
    const at = (day: number) => samples[(day * DAY + 4 * 3_600_000 + 9 * 3_600_000) / (5 * MIN) - 1]!.acW;
    const noons = [at(0), at(1), at(2)];
    expect(new Set(noons.map((w) => Math.round(w))).size).toBeGreaterThan(1);
  });

  it('keeps grid voltage and frequency noisy around 220 V / 60 Hz', () => {
    const v = samples.map((s) => s.acV);
    const hz = samples.map((s) => s.acHz);
    for (const x of v) expect(Math.abs(x - 220)).toBeLessThan(12);
    for (const x of hz) expect(Math.abs(x - 60)).toBeLessThan(0.15);
    expect(Math.max(...v) - Math.min(...v)).toBeGreaterThan(1);
    expect(Math.max(...hz) - Math.min(...hz)).toBeGreaterThan(0.01);
  });

  it('heats the modules above ambient in the sun', () => {
    const sunny = samples.filter((s) => s.poaWm2 > 600);
    expect(sunny.length).toBeGreaterThan(0);
    for (const s of sunny) expect(s.moduleC).toBeGreaterThan(s.ambientC + 15);
  });
});

describe('inverter efficiency curve', () => {
  it('is low at light load, peaks near 97 % at mid load and dips slightly at full load', () => {
    expect(inverterEfficiency(100, 5000)).toBeLessThan(0.9);
    expect(inverterEfficiency(2500, 5000)).toBeGreaterThan(0.96);
    expect(inverterEfficiency(5000, 5000)).toBeLessThan(inverterEfficiency(2500, 5000));
    expect(inverterEfficiency(0, 5000)).toBe(0);
  });
});
