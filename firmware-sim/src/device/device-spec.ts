import type { WeatherMode } from '../physics/weather.ts';

export interface SiteSpec {
  id: string;
  latDeg: number;
  lonDeg: number;
  /** Array tilt; defaults to |latitude|. */
  tiltDeg: number;
  /** Azimuth the array faces (0 = north, 180 = south); defaults to the equator. */
  azimuthDeg: number;
  ambientMeanC: number;
  weather: WeatherMode;
}

export type Protocol = 'modbus' | 'mqtt';
export type InverterModel = 101 | 103;
export type OptionalModel = 120 | 121 | 122;

export interface DeviceSpec {
  id: string;
  /** 1-based position in the fleet (the k of the addressing rule). */
  index: number;
  site: SiteSpec;
  protocol: Protocol;
  inverterModel: InverterModel;
  extraModels: OptionalModel[];
  nameplateW: number;
  dcWp: number;
  mppts: number;
  /** MPP voltage of each MPPT's string at STC. */
  stringVmpV: number;
  /** Nominal phase-to-neutral grid voltage. */
  gridVoltageV: number;
  gridFrequencyHz: number;
  manufacturer: string;
  modelName: string;
  serial: string;
  version: string;
  /** Lifetime energy at simulation start; drawn from the seed when not given. */
  initialEnergyWh: number | undefined;
}

/** São Paulo (Praça da Sé), used when no site is given. */
export const DEFAULT_SITE: SiteSpec = {
  id: 'site-sp-001',
  latDeg: -23.5505,
  lonDeg: -46.6333,
  tiltDeg: 23.5,
  azimuthDeg: 0,
  ambientMeanC: 21,
  weather: 'variable',
};

export function deviceId(index: number): string {
  return `inv-${String(index).padStart(4, '0')}`;
}

/**
 * The default fleet for `--devices N`: 5 kW / 5.5 kWp three-phase inverters
 * (model 103) with 2 MPPTs; every 4th device is single-phase (model 101) and
 * every 5th also carries the optional models 120/121/122.
 */
export function defaultDevice(index: number, site: SiteSpec = DEFAULT_SITE, protocol: Protocol = 'modbus'): DeviceSpec {
  return {
    id: deviceId(index),
    index,
    site,
    protocol,
    inverterModel: index % 4 === 0 ? 101 : 103,
    extraModels: index % 5 === 0 ? [120, 121, 122] : [],
    nameplateW: 5000,
    dcWp: 5500,
    mppts: 2,
    stringVmpV: 380,
    gridVoltageV: 220,
    gridFrequencyHz: 60,
    manufacturer: 'YSH Simulated',
    modelName: index % 4 === 0 ? 'YSH-SIM-5K1' : 'YSH-SIM-5K3',
    serial: `YSH${String(index).padStart(8, '0')}`,
    version: '1.4.2',
    initialEnergyWh: undefined,
  };
}
