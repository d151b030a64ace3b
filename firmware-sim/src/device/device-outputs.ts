/** What the device measures at one step (SI units, before register quantization). */
export interface DeviceOutputs {
  state: number;
  events: number;
  acW: number;
  acV: number;
  acHz: number;
  acA: number;
  dcW: number;
  dcV: number;
  dcA: number;
  cabinetC: number;
  heatsinkC: number;
  moduleC: number;
  ambientC: number;
  poaWm2: number;
  energyWh: number;
  mppt: { w: number; v: number; a: number; energyWh: number; failed: boolean }[];
}
