import { env, readEnv } from '@ysh/common';
import { GEOCODER_USER_AGENT, NOMINATIM_URL } from './geocoder.ts';
import { NASA_POWER_URL } from './irradiance.ts';

/** Options of `ysh proposta` and the propostas assets (see the README's propostas section). */
export interface PropostasConfig {
  nasaPowerUrl: string;
  nasaPowerRetries: number;
  fleetRadiusKm: number;
  /** Nominatim search endpoint for quotes with a city and no lat/lon */
  geocoderUrl: string;
  /** the User-Agent Nominatim's usage policy asks for: name the deployment and a contact */
  geocoderUserAgent: string;
  geocoderRetries: number;
}

export const propostasEnv = {
  YSH_PROPOSTAS_NASA_POWER_URL: env.url({ default: NASA_POWER_URL, protocols: ['http:', 'https:'] }),
  YSH_PROPOSTAS_NASA_POWER_RETRIES: env.int({ default: 3, min: 0, max: 10 }),
  YSH_PROPOSTAS_FLEET_RADIUS_KM: env.number({ default: 50, min: 1, max: 500 }),
  YSH_PROPOSTAS_GEOCODER_URL: env.url({ default: NOMINATIM_URL, protocols: ['http:', 'https:'] }),
  YSH_PROPOSTAS_GEOCODER_USER_AGENT: env.string({
    default: GEOCODER_USER_AGENT,
    expects: 'a User-Agent naming the application (Nominatim usage policy)',
  }),
  YSH_PROPOSTAS_GEOCODER_RETRIES: env.int({ default: 2, min: 0, max: 10 }),
};

export function loadPropostasConfig(source: NodeJS.ProcessEnv): Readonly<PropostasConfig> {
  const e = readEnv(propostasEnv, source);
  return Object.freeze({
    nasaPowerUrl: e.YSH_PROPOSTAS_NASA_POWER_URL,
    nasaPowerRetries: e.YSH_PROPOSTAS_NASA_POWER_RETRIES,
    fleetRadiusKm: e.YSH_PROPOSTAS_FLEET_RADIUS_KM,
    geocoderUrl: e.YSH_PROPOSTAS_GEOCODER_URL,
    geocoderUserAgent: e.YSH_PROPOSTAS_GEOCODER_USER_AGENT,
    geocoderRetries: e.YSH_PROPOSTAS_GEOCODER_RETRIES,
  });
}
