/**
 * Inverter and PV array models used by each simulated device.
 *
 * Efficiency: η(p) = p / (p + c0 + c1·p + c2·p²) with p = P_dc / P_ac,nominal
 * (self-consumption, linear and resistive losses; the shape of the CEC/Sandia
 * curves): ≈ 79 % at 2 % load, ≈ 94 % at 10 %, ≈ 97 % at 50 %, ≈ 96.6 % at 100 %.
 */
const C0 = 0.005;
const C1 = 0.01;
const C2 = 0.02;

export function inverterEfficiency(dcW: number, nominalAcW: number): number {
  if (dcW <= 0 || nominalAcW <= 0) return 0;
  const p = dcW / nominalAcW;
  return p / (p + C0 + C1 * p + C2 * p * p);
}

/** Module temperature from the NOCT model (NOCT 45 °C at 800 W/m², 20 °C ambient). */
export function moduleTemperatureC(ambientC: number, poaWm2: number): number {
  return ambientC + ((45 - 20) / 800) * poaWm2;
}

const GAMMA_P = -0.0037; // power temperature coefficient, 1/°C (crystalline silicon)
const BETA_V = -0.0029; // voltage temperature coefficient, 1/°C
const SYSTEM_LOSSES = 0.05; // soiling, mismatch, wiring

/** DC power available at the maximum power point of an array of `wp` watts-peak. */
export function arrayDcPowerW(wp: number, poaWm2: number, moduleC: number): number {
  if (poaWm2 <= 0) return 0;
  return Math.max(0, wp * (poaWm2 / 1000) * (1 + GAMMA_P * (moduleC - 25)) * (1 - SYSTEM_LOSSES));
}

/** MPP voltage of a string whose STC MPP voltage is `vmpStc`. */
export function stringVoltageV(vmpStc: number, poaWm2: number, moduleC: number): number {
  if (poaWm2 < 5) return 0;
  const irr = 1 + 0.05 * Math.log(Math.max(poaWm2, 5) / 1000);
  return Math.max(0, vmpStc * irr * (1 + BETA_V * (moduleC - 25)));
}
