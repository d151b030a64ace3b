import {
  ConfigError,
  DEFAULT_PORTS,
  env,
  kafkaBootstrapBrokers,
  loadCommonConfig,
  readEnv,
  type CommonConfig,
} from '@ysh/common';

export const DEVICE_POLICIES = ['auto-register', 'registered-only'] as const;
export type DevicePolicy = (typeof DEVICE_POLICIES)[number];
export const MQTT_MODES = ['auto', 'external', 'embedded', 'off'] as const;
export type MqttMode = (typeof MQTT_MODES)[number];
export const COMPRESSIONS = ['none', 'gzip'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

/** Gateway options; every field has an environment variable (see README). */
export interface GatewayConfig {
  common: Readonly<CommonConfig>;
  port: number;
  host: string;
  /** Largest request body as sent (compressed or not), bytes. */
  bodyLimitBytes: number;
  /** Largest body after gunzip, bytes (gzip bomb guard). */
  maxDecompressedBytes: number;
  maxBatchReadings: number;
  maxFutureSkewMs: number;
  /** How long a (device, seq) is remembered for dedup. */
  dedupHorizonMs: number;
  devicePolicy: DevicePolicy;
  /** Positive token lookups are reused this long (0: only concurrent lookups share one query). */
  authCacheMs: number;
  /** Device → site ownership is cached this long. */
  deviceCacheMs: number;
  rateLimit: { max: number; windowMs: number };
  /** Enrollment attempts allowed per client address and window (guessing codes is the threat). */
  enrollRateLimit: { max: number; windowMs: number };
  kafka: {
    brokers: string[];
    clientId: string;
    /** Bytes of readings waiting for or in a Kafka request; past it requests get 503. */
    maxInFlightBytes: number;
    /** Upper bound of one produce request, bytes. */
    maxRequestBytes: number;
    /** Wait this long for more requests to join a produce request when Kafka is idle. */
    lingerMs: number;
    /** A produce that has not succeeded within this time fails (503). */
    produceTimeoutMs: number;
    compression: Compression;
    partitions: number;
    /** Idempotent producers working in parallel, each owning a share of the partitions. */
    producers: number;
    /** Seconds suggested in Retry-After when Kafka is slow or unavailable. */
    retryAfterSeconds: number;
  };
  mqtt: {
    mode: MqttMode;
    url: string | undefined;
    embeddedPort: number;
    filter: string;
    username: string | undefined;
    password: string | undefined;
    clientId: string;
    /** Clean session (true) or a persistent one that keeps unacknowledged messages across reconnects. */
    clean: boolean;
  };
}

export const gatewayEnv = {
  YSH_GATEWAY_PORT: env.port({ default: DEFAULT_PORTS.gateway }),
  YSH_GATEWAY_HOST: env.string({ default: '127.0.0.1', expects: 'a host name or address to listen on' }),
  YSH_GATEWAY_BODY_LIMIT: env.int({ default: 4 * 1024 * 1024, min: 1024 }),
  YSH_GATEWAY_MAX_DECOMPRESSED: env.int({ default: 16 * 1024 * 1024, min: 1024 }),
  YSH_GATEWAY_MAX_BATCH_READINGS: env.int({ default: 5000, min: 1, max: 100_000 }),
  YSH_GATEWAY_MAX_FUTURE_SKEW: env.duration({ default: '5m' }),
  YSH_GATEWAY_DEDUP_HORIZON: env.duration({ default: '24h' }),
  YSH_GATEWAY_DEVICE_POLICY: env.oneOf(DEVICE_POLICIES, { default: 'auto-register' }),
  YSH_GATEWAY_AUTH_CACHE: env.duration({ default: '0ms' }),
  YSH_GATEWAY_DEVICE_CACHE: env.duration({ default: '60s' }),
  YSH_GATEWAY_RATE_LIMIT: env.int({ default: 200, min: 1 }),
  YSH_GATEWAY_RATE_WINDOW: env.duration({ default: '1s' }),
  YSH_GATEWAY_ENROLL_RATE_LIMIT: env.int({ default: 10, min: 1 }),
  YSH_GATEWAY_ENROLL_RATE_WINDOW: env.duration({ default: '1m' }),
  YSH_GATEWAY_KAFKA_CLIENT_ID: env.string({ default: 'ysh-gateway' }),
  YSH_GATEWAY_MAX_INFLIGHT_BYTES: env.int({ default: 64 * 1024 * 1024, min: 1024 }),
  YSH_GATEWAY_KAFKA_MAX_REQUEST_BYTES: env.int({ default: 4 * 1024 * 1024, min: 1024 }),
  YSH_GATEWAY_KAFKA_LINGER: env.duration({ default: '2ms' }),
  YSH_GATEWAY_PRODUCE_TIMEOUT: env.duration({ default: '10s' }),
  YSH_GATEWAY_KAFKA_COMPRESSION: env.oneOf(COMPRESSIONS, { default: 'none' }),
  YSH_GATEWAY_KAFKA_PARTITIONS: env.int({ default: 6, min: 1, max: 1000 }),
  YSH_GATEWAY_KAFKA_PRODUCERS: env.int({ default: 2, min: 1, max: 16 }),
  YSH_GATEWAY_RETRY_AFTER: env.int({ default: 2, min: 1, max: 3600 }),
  YSH_GATEWAY_MQTT: env.oneOf(MQTT_MODES, { default: 'auto' }),
  YSH_GATEWAY_MQTT_FILTER: env.string({ default: 'ysh/+/telemetry', expects: 'an MQTT topic filter' }),
  YSH_GATEWAY_MQTT_USERNAME: env.optional(env.string()),
  YSH_GATEWAY_MQTT_PASSWORD: env.optional(env.string()),
  YSH_GATEWAY_MQTT_CLIENT_ID: env.string({ default: 'ysh-gateway' }),
  YSH_GATEWAY_MQTT_CLEAN: env.bool({ default: false }),
};

/** Reads the gateway's environment once; a wrong value throws a ConfigError naming the variable. */
export function loadGatewayConfig(source: NodeJS.ProcessEnv, cwd = process.cwd()): Readonly<GatewayConfig> {
  const common = loadCommonConfig(source, cwd);
  const e = readEnv(gatewayEnv, source);
  const mode: MqttMode =
    e.YSH_GATEWAY_MQTT === 'auto' ? (common.mqttUrl ? 'external' : 'embedded') : e.YSH_GATEWAY_MQTT;
  if (mode === 'external' && !common.mqttUrl)
    throw new ConfigError('YSH_MQTT_URL', 'expected an MQTT URL because YSH_GATEWAY_MQTT is external, it is not set');
  return Object.freeze({
    common,
    port: e.YSH_GATEWAY_PORT,
    host: e.YSH_GATEWAY_HOST,
    bodyLimitBytes: e.YSH_GATEWAY_BODY_LIMIT,
    maxDecompressedBytes: e.YSH_GATEWAY_MAX_DECOMPRESSED,
    maxBatchReadings: e.YSH_GATEWAY_MAX_BATCH_READINGS,
    maxFutureSkewMs: e.YSH_GATEWAY_MAX_FUTURE_SKEW,
    dedupHorizonMs: e.YSH_GATEWAY_DEDUP_HORIZON,
    devicePolicy: e.YSH_GATEWAY_DEVICE_POLICY,
    authCacheMs: e.YSH_GATEWAY_AUTH_CACHE,
    deviceCacheMs: e.YSH_GATEWAY_DEVICE_CACHE,
    rateLimit: { max: e.YSH_GATEWAY_RATE_LIMIT, windowMs: Math.max(1, e.YSH_GATEWAY_RATE_WINDOW) },
    enrollRateLimit: { max: e.YSH_GATEWAY_ENROLL_RATE_LIMIT, windowMs: Math.max(1, e.YSH_GATEWAY_ENROLL_RATE_WINDOW) },
    kafka: {
      brokers: kafkaBootstrapBrokers(common),
      clientId: e.YSH_GATEWAY_KAFKA_CLIENT_ID,
      maxInFlightBytes: e.YSH_GATEWAY_MAX_INFLIGHT_BYTES,
      maxRequestBytes: e.YSH_GATEWAY_KAFKA_MAX_REQUEST_BYTES,
      lingerMs: e.YSH_GATEWAY_KAFKA_LINGER,
      produceTimeoutMs: e.YSH_GATEWAY_PRODUCE_TIMEOUT,
      compression: e.YSH_GATEWAY_KAFKA_COMPRESSION,
      partitions: e.YSH_GATEWAY_KAFKA_PARTITIONS,
      producers: e.YSH_GATEWAY_KAFKA_PRODUCERS,
      retryAfterSeconds: e.YSH_GATEWAY_RETRY_AFTER,
    },
    mqtt: {
      mode,
      url: mode === 'external' ? common.mqttUrl : undefined,
      embeddedPort: common.embedded.mqttPort,
      filter: e.YSH_GATEWAY_MQTT_FILTER,
      username: e.YSH_GATEWAY_MQTT_USERNAME,
      password: e.YSH_GATEWAY_MQTT_PASSWORD,
      clientId: e.YSH_GATEWAY_MQTT_CLIENT_ID,
      clean: e.YSH_GATEWAY_MQTT_CLEAN,
    },
  });
}
