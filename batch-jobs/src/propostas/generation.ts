/**
 * Monthly PV energy, PVWatts-style, from monthly mean daily global horizontal irradiation:
 *
 * 1. Sun geometry on each month's recommended average day (Klein 1977; Duffie & Beckman table 1.6.1):
 *    declination (Cooper), sunset hour angle, extraterrestrial daily irradiation H0 (Gsc 1367 W/m²).
 * 2. Clearness index KT = H/H0 and the diffuse fraction Hd/H of Erbs, Klein & Duffie (1982), the
 *    monthly-average form (D&B eq. 2.12.1, one polynomial for ωs ≤ 81.4°, another above).
 * 3. Plane of array by Liu–Jordan isotropic sky with Klein's monthly beam ratio Rb: the ratio of the
 *    day's integral of cos θ on the tilted surface to cos θz on the horizontal (for any azimuth,
 *    integrated numerically; equal to Klein's closed form for an equator-facing surface, see tests):
 *    HT = (H − Hd)·Rb + Hd·(1 + cos β)/2 + H·ρ·(1 − cos β)/2.
 * 4. Cell temperature Tc = Tamb + (NOCT − 20)/800 · G, with G the energy-weighted mean plane-of-array
 *    irradiance of a half-sine day (π²·HT/(8·N)); power derate 1 + γ·(Tc − 25) with the module's γ.
 * 5. System losses (PVWatts v5 defaults, itemized; total 1 − Π(1 − lᵢ) = 14.08 %) and the
 *    inverter's efficiency from the catalog.
 * Azimuth follows pvlib: degrees east of north (0 = north, the best face in Brazil; 180 = south).
 */
const DEG = Math.PI / 180;
export const REPRESENTATIVE_DAY = [17, 47, 75, 105, 135, 162, 198, 228, 258, 288, 318, 344] as const;
export const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;
const GSC = 1367;

export interface SurfaceGeometry {
  latitudeDeg: number;
  tiltDeg: number;
  /** degrees east of north */
  azimuthDeg: number;
  /** ground reflectance (PVWatts default 0.2) */
  albedo: number;
}

/** PVWatts v5 default losses, percent (total 14.08 %). */
export const PVWATTS_LOSSES = {
  soiling: 2,
  shading: 3,
  snow: 0,
  mismatch: 2,
  wiring: 2,
  connections: 0.5,
  lightInducedDegradation: 1.5,
  nameplate: 1,
  age: 0,
  availability: 3,
} as const;
export type LossItems = Record<keyof typeof PVWATTS_LOSSES, number>;

export function totalLoss(losses: LossItems): number {
  return 1 - Object.values(losses).reduce((a, l) => a * (1 - l / 100), 1);
}

export function declinationDeg(n: number): number {
  return 23.45 * Math.sin((2 * Math.PI * (284 + n)) / 365);
}

export function sunsetHourAngleDeg(latDeg: number, declDeg: number): number {
  const c = -Math.tan(latDeg * DEG) * Math.tan(declDeg * DEG);
  return Math.acos(Math.max(-1, Math.min(1, c))) / DEG;
}

/** Extraterrestrial daily irradiation on a horizontal surface, kWh/m²/day (D&B eq. 1.10.3). */
export function extraterrestrialDaily(latDeg: number, n: number): number {
  const d = declinationDeg(n) * DEG;
  const phi = latDeg * DEG;
  const ws = sunsetHourAngleDeg(latDeg, d / DEG) * DEG;
  const jPerM2 =
    ((24 * 3600 * GSC) / Math.PI) *
    (1 + 0.033 * Math.cos((2 * Math.PI * n) / 365)) *
    (Math.cos(phi) * Math.cos(d) * Math.sin(ws) + ws * Math.sin(phi) * Math.sin(d));
  return jPerM2 / 3.6e6;
}

/** Erbs et al. (1982) monthly-average diffuse fraction Hd/H from KT and ωs (degrees). */
export function erbsMonthlyDiffuseFraction(kt: number, sunsetDeg: number): number {
  const k = Math.max(0.3, Math.min(0.8, kt));
  return sunsetDeg <= 81.4
    ? 1.391 - 3.56 * k + 4.189 * k ** 2 - 2.137 * k ** 3
    : 1.311 - 3.022 * k + 3.427 * k ** 2 - 1.821 * k ** 3;
}

function cosIncidence(g: SurfaceGeometry, declDeg: number, omegaRad: number): number {
  const phi = g.latitudeDeg * DEG;
  const d = declDeg * DEG;
  const b = g.tiltDeg * DEG;
  const gamma = (g.azimuthDeg - 180) * DEG; // D&B: 0 = south, west positive
  return (
    Math.sin(d) * Math.sin(phi) * Math.cos(b) -
    Math.sin(d) * Math.cos(phi) * Math.sin(b) * Math.cos(gamma) +
    Math.cos(d) * Math.cos(phi) * Math.cos(b) * Math.cos(omegaRad) +
    Math.cos(d) * Math.sin(phi) * Math.sin(b) * Math.cos(gamma) * Math.cos(omegaRad) +
    Math.cos(d) * Math.sin(b) * Math.sin(gamma) * Math.sin(omegaRad)
  );
}

/** Klein's monthly beam ratio: ∫cos θ⁺ dω / ∫cos θz dω over the day (trapezoids, 1441 points). */
export function beamRatio(g: SurfaceGeometry, declDeg: number): number {
  const ws = sunsetHourAngleDeg(g.latitudeDeg, declDeg) * DEG;
  const flat: SurfaceGeometry = { ...g, tiltDeg: 0 };
  const steps = 1440;
  let tilted = 0;
  let horizontal = 0;
  for (let i = 0; i <= steps; i++) {
    const w = -ws + (2 * ws * i) / steps;
    const k = i === 0 || i === steps ? 0.5 : 1;
    tilted += k * Math.max(0, cosIncidence(g, declDeg, w));
    horizontal += k * Math.max(0, cosIncidence(flat, declDeg, w));
  }
  return horizontal > 0 ? tilted / horizontal : 0;
}

/** Klein's closed form for a surface facing the equator in the southern hemisphere (tests compare). */
export function beamRatioEquatorFacingSouth(latDeg: number, tiltDeg: number, declDeg: number): number {
  const phi = latDeg * DEG;
  const pb = (latDeg + tiltDeg) * DEG;
  const d = declDeg * DEG;
  const ws = sunsetHourAngleDeg(latDeg, declDeg) * DEG;
  const wsT = Math.min(ws, Math.acos(Math.max(-1, Math.min(1, -Math.tan(pb) * Math.tan(d)))));
  return (
    (Math.cos(pb) * Math.cos(d) * Math.sin(wsT) + wsT * Math.sin(pb) * Math.sin(d)) /
    (Math.cos(phi) * Math.cos(d) * Math.sin(ws) + ws * Math.sin(phi) * Math.sin(d))
  );
}

export interface PoaMonth {
  month: number;
  ghiKwhM2Day: number;
  kt: number;
  diffuseFraction: number;
  rb: number;
  poaKwhM2Day: number;
  dayLengthH: number;
}

export function planeOfArray(ghi: readonly number[], g: SurfaceGeometry): PoaMonth[] {
  return ghi.map((h, i) => {
    const n = REPRESENTATIVE_DAY[i] as number;
    const decl = declinationDeg(n);
    const ws = sunsetHourAngleDeg(g.latitudeDeg, decl);
    const h0 = extraterrestrialDaily(g.latitudeDeg, n);
    const kt = h / h0;
    const fd = erbsMonthlyDiffuseFraction(kt, ws);
    const rb = beamRatio(g, decl);
    const b = g.tiltDeg * DEG;
    const hd = h * fd;
    const poa = (h - hd) * rb + (hd * (1 + Math.cos(b))) / 2 + (h * g.albedo * (1 - Math.cos(b))) / 2;
    return { month: i + 1, ghiKwhM2Day: h, kt, diffuseFraction: fd, rb, poaKwhM2Day: poa, dayLengthH: (2 * ws) / 15 };
  });
}

/** Energy-weighted mean cell temperature of a month (°C). */
export function cellTemperature(poaKwhM2Day: number, dayLengthH: number, ambientC: number, noctC: number): number {
  const gWeighted = (Math.PI ** 2 * poaKwhM2Day * 1000) / (8 * dayLengthH);
  return ambientC + ((noctC - 20) / 800) * gWeighted;
}

export interface GenerationInputs {
  geometry: SurfaceGeometry;
  ghiKwhM2Day: readonly number[];
  /** monthly mean daytime ambient temperature, °C */
  ambientC: readonly number[];
  dcKwp: number;
  gammaPmaxPerK: number;
  noctC: number;
  inverterEfficiency: number;
  losses: LossItems;
}

export interface GenerationMonth extends PoaMonth {
  cellTempC: number;
  tempFactor: number;
  dcKwh: number;
  acKwh: number;
}

/** First-year monthly AC energy (kWh) before degradation. */
export function monthlyGeneration(x: GenerationInputs): GenerationMonth[] {
  const loss = totalLoss(x.losses);
  return planeOfArray(x.ghiKwhM2Day, x.geometry).map((p, i) => {
    const tc = cellTemperature(p.poaKwhM2Day, p.dayLengthH, x.ambientC[i] as number, x.noctC);
    const tf = 1 + x.gammaPmaxPerK * (tc - 25);
    const dc = x.dcKwp * p.poaKwhM2Day * (DAYS_IN_MONTH[i] as number) * tf;
    return { ...p, cellTempC: tc, tempFactor: tf, dcKwh: dc, acKwh: dc * (1 - loss) * x.inverterEfficiency };
  });
}

/** Energy factor of operating year y (1-based): first-year loss, then a yearly rate. */
export function degradationFactor(year: number, firstYear: number, yearly: number): number {
  return (1 - firstYear) * (1 - yearly) ** (year - 1);
}
