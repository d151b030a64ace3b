/**
 * Sun position (NOAA general solar position equations, accurate to about a
 * minute of time) and clear-sky irradiance (Haurwitz 1945 model for global
 * horizontal irradiance), transposed onto a tilted plane with a fixed clear-sky
 * diffuse fraction and isotropic sky.
 */
const DEG = Math.PI / 180;

export interface SunVector {
  /** Unit vector towards the sun in local east/north/up coordinates. */
  east: number;
  north: number;
  up: number;
}

export function sunVector(epochMs: number, latDeg: number, lonDeg: number): SunVector {
  const d = new Date(epochMs);
  const start = Date.UTC(d.getUTCFullYear(), 0, 1);
  const dayOfYear = Math.floor((epochMs - start) / 86_400_000) + 1;
  const hour = d.getUTCHours() + d.getUTCMinutes() / 60 + d.getUTCSeconds() / 3600 + d.getUTCMilliseconds() / 3.6e6;
  const g = ((2 * Math.PI) / 365) * (dayOfYear - 1 + (hour - 12) / 24);
  const eqTime =
    229.18 *
    (0.000075 +
      0.001868 * Math.cos(g) -
      0.032077 * Math.sin(g) -
      0.014615 * Math.cos(2 * g) -
      0.040849 * Math.sin(2 * g));
  const decl =
    0.006918 -
    0.399912 * Math.cos(g) +
    0.070257 * Math.sin(g) -
    0.006758 * Math.cos(2 * g) +
    0.000907 * Math.sin(2 * g) -
    0.002697 * Math.cos(3 * g) +
    0.00148 * Math.sin(3 * g);
  const trueSolarMinutes = hour * 60 + eqTime + 4 * lonDeg;
  const hourAngle = (trueSolarMinutes / 4 - 180) * DEG;
  const lat = latDeg * DEG;
  return {
    east: -Math.cos(decl) * Math.sin(hourAngle),
    north: Math.cos(lat) * Math.sin(decl) - Math.sin(lat) * Math.cos(decl) * Math.cos(hourAngle),
    up: Math.sin(lat) * Math.sin(decl) + Math.cos(lat) * Math.cos(decl) * Math.cos(hourAngle),
  };
}

/** Local solar time in hours (0..24), used for the ambient temperature cycle. */
export function solarHour(epochMs: number, lonDeg: number): number {
  const h = (epochMs / 3.6e6 + lonDeg / 15) % 24;
  return h < 0 ? h + 24 : h;
}

/**
 * Haurwitz clear-sky global horizontal irradiance (W/m²), times an atmosphere
 * factor: Haurwitz assumes a clean dry sky; 0.9 stands for the humid, turbid
 * air of a large tropical city.
 */
export const ATMOSPHERE_FACTOR = 0.9;

export function clearSkyGhi(cosZenith: number): number {
  if (cosZenith <= 0.01) return 0;
  return ATMOSPHERE_FACTOR * 1098 * cosZenith * Math.exp(-0.057 / cosZenith);
}

export interface PlaneSpec {
  tiltDeg: number;
  /** Azimuth the plane faces, degrees clockwise from north (0 = north, 180 = south). */
  azimuthDeg: number;
}

const DIFFUSE_FRACTION = 0.15;
const ALBEDO = 0.2;

/** Plane-of-array irradiance (W/m²) for a clear sky scaled by the cloud factor `kc` (0..~1.05). */
export function planeOfArray(sun: SunVector, plane: PlaneSpec, kc: number): number {
  const ghi = clearSkyGhi(sun.up);
  if (ghi <= 0) return 0;
  const tilt = plane.tiltDeg * DEG;
  const az = plane.azimuthDeg * DEG;
  const cosInc = Math.max(
    0,
    sun.east * Math.sin(tilt) * Math.sin(az) + sun.north * Math.sin(tilt) * Math.cos(az) + sun.up * Math.cos(tilt),
  );
  const beamH = ghi * (1 - DIFFUSE_FRACTION);
  const dni = Math.min(beamH / Math.max(sun.up, 0.05), 1100);
  const diffuse = ghi * DIFFUSE_FRACTION;
  // Clouds take the beam first: the beam scales with kc², the diffuse part grows a little.
  const k = Math.max(0, kc);
  const beamShare = Math.min(1, k * k);
  const diffuseShare = Math.min(1.6, k + (1 - beamShare) * 0.4);
  const poa =
    dni * cosInc * beamShare +
    diffuse * diffuseShare * ((1 + Math.cos(tilt)) / 2) +
    ghi * k * ALBEDO * ((1 - Math.cos(tilt)) / 2);
  return Math.max(0, poa);
}
