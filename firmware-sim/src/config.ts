import { env, LOG_LEVELS, readEnv, type LogLevel } from '@ysh/common';

export const simEnv = {
  YSH_LOG_LEVEL: env.oneOf(LOG_LEVELS, { default: 'info' }),
  /** Broker for MQTT-native devices when --mqtt-url is not given. */
  YSH_MQTT_URL: env.optional(env.url({ protocols: ['mqtt:', 'mqtts:', 'tcp:', 'ws:', 'wss:'] })),
};

export interface SimConfig {
  logLevel: LogLevel;
  mqttUrl: string | undefined;
}

/** The only place the simulator reads the environment. */
export function loadSimConfig(source: NodeJS.ProcessEnv): Readonly<SimConfig> {
  const e = readEnv(simEnv, source);
  return Object.freeze({ logLevel: e.YSH_LOG_LEVEL, mqttUrl: e.YSH_MQTT_URL });
}
