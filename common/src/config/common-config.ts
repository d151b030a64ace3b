import { resolve } from 'node:path';
import { env, readEnv } from './env.ts';

/** Default ports of the embedded parts, chosen apart from the standard ports of real services. */
export const DEFAULT_PORTS = Object.freeze({
  postgres: 15432,
  mqtt: 11883,
  siteMqtt: 11884,
  kafka: 19092,
  gateway: 7080,
  api: 7000,
  platform: 7001,
  processorOps: 7090,
  edgeOps: 7070,
  simControl: 7060,
  simModbus: 15020,
  brokerOps: 7092,
  jobsOps: 7095,
});

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const commonEnv = {
  YSH_DATA_DIR: env.string({ default: '.ysh-data', expects: 'a directory path' }),
  YSH_LOG_LEVEL: env.oneOf(LOG_LEVELS, { default: 'info' }),
  YSH_DATABASE_URL: env.optional(env.url({ protocols: ['postgres:', 'postgresql:'] })),
  YSH_REDIS_URL: env.optional(env.url({ protocols: ['redis:', 'rediss:'] })),
  YSH_REDIS_PREFIX: env.string({ default: 'ysh:', expects: 'a key prefix such as ysh:' }),
  YSH_MQTT_URL: env.optional(env.url({ protocols: ['mqtt:', 'mqtts:', 'tcp:', 'ws:', 'wss:'] })),
  YSH_KAFKA_BROKERS: env.optional(env.hostPorts()),
  /** Address /health and /metrics listen on (0.0.0.0 in a container, so a scraper can reach them). */
  YSH_OPS_HOST: env.string({ default: '127.0.0.1', expects: 'a host name or address to listen on' }),
  YSH_EMBEDDED_POSTGRES_PORT: env.port({ default: DEFAULT_PORTS.postgres }),
  YSH_EMBEDDED_MQTT_PORT: env.port({ default: DEFAULT_PORTS.mqtt }),
  YSH_EMBEDDED_KAFKA_PORT: env.port({ default: DEFAULT_PORTS.kafka }),
};

export interface CommonConfig {
  /** Absolute path of the embedded data directory. */
  dataDir: string;
  logLevel: LogLevel;
  /** Unset means embedded (PGlite served on `embedded.postgresPort`). */
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  /** Prefix of every key the platform writes to Redis (one Redis can serve several installs). */
  redisPrefix: string;
  mqttUrl: string | undefined;
  kafkaBrokers: string[] | undefined;
  /** Listen address of the ops server (/health, /metrics). */
  opsHost: string;
  embedded: { postgresPort: number; mqttPort: number; kafkaPort: number };
}

/** The settings every component shares. Only config loaders read the environment. */
export function loadCommonConfig(source: NodeJS.ProcessEnv, cwd = process.cwd()): Readonly<CommonConfig> {
  const e = readEnv(commonEnv, source);
  return Object.freeze({
    dataDir: resolve(cwd, e.YSH_DATA_DIR),
    logLevel: e.YSH_LOG_LEVEL,
    databaseUrl: e.YSH_DATABASE_URL,
    redisUrl: e.YSH_REDIS_URL,
    redisPrefix: e.YSH_REDIS_PREFIX,
    mqttUrl: e.YSH_MQTT_URL,
    kafkaBrokers: e.YSH_KAFKA_BROKERS,
    opsHost: e.YSH_OPS_HOST,
    embedded: Object.freeze({
      postgresPort: e.YSH_EMBEDDED_POSTGRES_PORT,
      mqttPort: e.YSH_EMBEDDED_MQTT_PORT,
      kafkaPort: e.YSH_EMBEDDED_KAFKA_PORT,
    }),
  });
}

/** Kafka bootstrap brokers: YSH_KAFKA_BROKERS, or the embedded broker's port on this machine. */
export function kafkaBootstrapBrokers(config: Pick<CommonConfig, 'kafkaBrokers' | 'embedded'>): string[] {
  return config.kafkaBrokers ?? [`127.0.0.1:${config.embedded.kafkaPort}`];
}
