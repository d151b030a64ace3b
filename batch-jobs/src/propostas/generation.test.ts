import { describe, expect, it } from 'vitest';
import {
  beamRatio,
  beamRatioEquatorFacingSouth,
  cellTemperature,
  declinationDeg,
  degradationFactor,
  erbsMonthlyDiffuseFraction,
  extraterrestrialDaily,
  monthlyGeneration,
  PVWATTS_LOSSES,
  planeOfArray,
  sunsetHourAngleDeg,
  totalLoss,
} from './generation.ts';

describe('transposition, hand-computed (Brasília, lat −15.8°, January, tilt 16° facing north)', () => {
  // n = 17: δ = 23.45·sin(360·(284+17)/365) = 23.45·sin(296.88°) = −20.917°
  // ωs = acos(−tan(−15.8°)·tan(−20.917°)) = acos(−0.10782) = 96.209°
  // H0 = 24·3600·1367/π · (1 + 0.033·cos(360·17/365)) · (cosφ cosδ sinωs + ωs sinφ sinδ) / 3.6e6 = 11.3846 kWh/m²
  // H = 5.8 → KT = 0.50946; ωs > 81.4° → Hd/H = 1.311 − 3.022·KT + 3.427·KT² − 1.821·KT³ = 0.42010
  // Klein Rb with φ+β = 0.2°: ω's = min(ωs, acos(−tan(0.2°)·tan δ)) = 90.076°; Rb = 0.88207
  // HT = (5.8 − 2.43656)·0.88207 + 2.43656·(1 + cos16°)/2 + 5.8·0.2·(1 − cos16°)/2 = 5.37862
  const g = { latitudeDeg: -15.8, tiltDeg: 16, azimuthDeg: 0, albedo: 0.2 };
  it('sun geometry and extraterrestrial irradiation', () => {
    expect(declinationDeg(17)).toBeCloseTo(-20.917, 3);
    expect(sunsetHourAngleDeg(-15.8, declinationDeg(17))).toBeCloseTo(96.209, 3);
    expect(extraterrestrialDaily(-15.8, 17)).toBeCloseTo(11.3846, 4);
  });
  it('Erbs diffuse fraction, Klein Rb and plane of array', () => {
    expect(erbsMonthlyDiffuseFraction(0.50946, 96.209)).toBeCloseTo(0.4201, 4);
    expect(beamRatio(g, declinationDeg(17))).toBeCloseTo(0.88207, 4);
    const [jan] = planeOfArray([5.8, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5], g);
    expect(jan?.kt).toBeCloseTo(0.50946, 4);
    expect(jan?.poaKwhM2Day).toBeCloseTo(5.37862, 4);
  });
  it('the numeric Rb equals Klein’s closed form for any equator-facing surface', () => {
    for (const lat of [-5, -15.8, -23.5, -30])
      for (const tilt of [0, 10, 25, 40])
        for (const n of [17, 105, 162, 258])
          expect(
            beamRatio({ latitudeDeg: lat, tiltDeg: tilt, azimuthDeg: 0, albedo: 0.2 }, declinationDeg(n)),
          ).toBeCloseTo(beamRatioEquatorFacingSouth(lat, tilt, declinationDeg(n)), 4);
  });
  it('a south-facing roof in the southern hemisphere gets less beam in winter than a north-facing one', () => {
    const june = declinationDeg(162);
    expect(beamRatio({ ...g, azimuthDeg: 180 }, june)).toBeLessThan(beamRatio(g, june) - 0.3);
    // east and west faces are mirror images
    expect(beamRatio({ ...g, azimuthDeg: 90 }, june)).toBeCloseTo(beamRatio({ ...g, azimuthDeg: 270 }, june), 6);
  });
});

describe('temperature and losses', () => {
  it('cell temperature: Tc = Tamb + (NOCT − 20)/800 · π²·HT/(8·N)', () => {
    // HT 5.37862 kWh/m², N = 2·96.209/15 = 12.8278 h → G = 9.8696·5378.62/102.623 = 517.28 W/m²
    // Tc = 27 + 25/800·517.28 = 43.165 °C
    expect(cellTemperature(5.37862, 12.82784, 27, 45)).toBeCloseTo(43.165, 3);
  });
  it('PVWatts default losses total 14.08 %', () => {
    expect(totalLoss(PVWATTS_LOSSES)).toBeCloseTo(0.1408, 4);
  });
  it('monthly energy: POA · days · kWp · (1 + γ·(Tc − 25)) · (1 − losses) · η_inv', () => {
    const [jan] = monthlyGeneration({
      geometry: { latitudeDeg: -15.8, tiltDeg: 16, azimuthDeg: 0, albedo: 0.2 },
      ghiKwhM2Day: [5.8, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5],
      ambientC: Array(12).fill(27),
      dcKwp: 4,
      gammaPmaxPerK: -0.0035,
      noctC: 45,
      inverterEfficiency: 0.97,
      losses: PVWATTS_LOSSES,
    });
    // 4 · 5.37862 · 31 · (1 − 0.0035·18.165) · (1 − 0.14075) · 0.97
    const expected = 4 * 5.37862 * 31 * (1 - 0.0035 * 18.165) * (1 - 0.140754) * 0.97;
    expect(jan?.acKwh).toBeCloseTo(expected, 1);
  });
  it('degradation: first-year loss then a yearly rate', () => {
    expect(degradationFactor(1, 0.02, 0.005)).toBeCloseTo(0.98, 12);
    expect(degradationFactor(25, 0.02, 0.005)).toBeCloseTo(0.98 * 0.995 ** 24, 12);
  });
});

describe('specific yield of a sunny-region quote', () => {
  it('falls within 1,300–1,700 kWh/kWp/year', () => {
    // Illustrative input, not measured data: a semi-arid interior site (lat −9.4°) with GHI
    // 5.3–6.4 kWh/m²/day and 26–29 °C daytime ambient.
    const ghi = [6.1, 6.0, 5.8, 5.5, 5.3, 5.3, 5.6, 6.1, 6.4, 6.4, 6.3, 6.1];
    const months = monthlyGeneration({
      geometry: { latitudeDeg: -9.4, tiltDeg: 10, azimuthDeg: 0, albedo: 0.2 },
      ghiKwhM2Day: ghi,
      ambientC: [29, 28, 28, 27, 26, 26, 26, 27, 28, 29, 29, 29],
      dcKwp: 1,
      gammaPmaxPerK: -0.0035,
      noctC: 45,
      inverterEfficiency: 0.975,
      losses: PVWATTS_LOSSES,
    });
    const yearly = months.reduce((a, m) => a + m.acKwh, 0);
    expect(yearly).toBeGreaterThan(1300);
    expect(yearly).toBeLessThan(1700);
  });
});
