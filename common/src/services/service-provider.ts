import type { Logger } from 'pino';
import type { CommonConfig } from '../config/common-config.ts';
import { COMMON_ERRORS, errorOptions, YshError } from '../errors.ts';
import type { Pool } from '../db/pool.ts';
import type { BatchServices } from '../domain/batch-services.ts';
import type { KvStore } from '../kv/kv-store.ts';
import type { MqttBrokerHost } from './mqtt-broker.ts';

/** An open PostgreSQL database: a pool, the URL it connects to (for libraries that want a URL), and its close. */
export interface DatabaseHandle {
  pool: Pool;
  url: string;
  /** 'external' (YSH_DATABASE_URL), 'embedded-hosted' (this process serves PGlite) or 'embedded-remote' (another process does). */
  mode: 'external' | 'embedded-hosted' | 'embedded-remote';
  /** Ends the pool (and stops the embedded database when this process serves it). */
  close(): Promise<void>;
}

export interface DatabaseOptions {
  logger?: Logger;
  /** `application_name` of the connections. */
  application?: string;
  /** Pool size. */
  max?: number;
  /** Apply pending migrations before returning (default true). */
  migrate?: boolean;
  /** How long a query may wait for a connection of the pool (ms; default 10 s, see `createPool`). */
  connectionTimeoutMillis?: number;
}

/**
 * The services a component talks to, handed to it by the wiring layer (the
 * `ysh` CLI), which alone decides between a real service (YSH_DATABASE_URL,
 * YSH_REDIS_URL, YSH_KAFKA_BROKERS, YSH_MQTT_URL) and its embedded stand-in.
 * Components use this interface and never import `@ysh/embedded`.
 */
export interface ServiceProvider {
  /** PostgreSQL, migrated unless told otherwise; the caller closes the handle. */
  database(options?: DatabaseOptions): Promise<DatabaseHandle>;
  /** The key-value store (Redis, or a store private to this process); the caller closes it. */
  kv(): Promise<KvStore>;
  /** Kafka bootstrap brokers, `host:port`. */
  kafkaBrokers(): string[];
  /** Hosts an MQTT broker in this process; absent where the wiring offers none (then MQTT must be external). */
  mqttBroker?: MqttBrokerHost;
  /**
   * The batch-jobs domain services (tariffs, catalog, proposals, search, runs) over `pool`, for
   * components that must not import batch-jobs (the admin API); absent where the wiring has none.
   * The caller closes them.
   */
  batch?(pool: Pool, logger: Logger): Promise<BatchServices>;
}

/** Builds the provider for a component's configuration (what the `ysh` dispatcher hands every command). */
export type ServiceProviderFactory = (common: Readonly<CommonConfig>) => ServiceProvider;

/** A component was started without a service it needs: the wiring layer did not provide it. */
export class ServiceNotProvidedError extends YshError {
  constructor(what: string) {
    super(
      'SVC_NOT_PROVIDED',
      `${what} was not provided by the wiring layer (start the component through ysh)`,
      errorOptions(COMMON_ERRORS, 'SVC_NOT_PROVIDED'),
    );
  }
}
