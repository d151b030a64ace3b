import { kafkaBootstrapBrokers, type CommonConfig, type ServiceProvider } from '@ysh/common';
import { openDatabase } from '@ysh/common/db';
import { RedisKv } from '@ysh/common/kv';

/**
 * The one place that decides "real service or embedded stand-in": each
 * service whose YSH_* variable is set is the real one, an unset one is the
 * embedded part. Every component receives its connections from here (the
 * `ysh` dispatcher hands this to each command); none imports `@ysh/embedded`.
 *
 * | service    | set                       | unset                                                   |
 * |------------|---------------------------|---------------------------------------------------------|
 * | PostgreSQL | YSH_DATABASE_URL          | PGlite on YSH_EMBEDDED_POSTGRES_PORT (joined or served) |
 * | key-value  | YSH_REDIS_URL             | an in-process store, private to the process             |
 * | Kafka      | YSH_KAFKA_BROKERS         | the embedded broker on YSH_EMBEDDED_KAFKA_PORT          |
 * | MQTT       | YSH_MQTT_URL (components) | aedes hosted by the process that asks (the gateway)     |
 *
 * `@ysh/embedded` (PGlite, aedes) is loaded only when a stand-in is asked for.
 */
export function createServices(common: Readonly<CommonConfig>): ServiceProvider {
  const embedded = () => import('@ysh/embedded');
  return {
    database: async (options) =>
      common.databaseUrl
        ? openDatabase(common.databaseUrl, options)
        : (await embedded()).connectEmbeddedDatabase(common, options),
    kv: async () =>
      common.redisUrl
        ? new RedisKv(common.redisUrl, { keyPrefix: common.redisPrefix })
        : new (await embedded()).MemoryKv(),
    kafkaBrokers: () => kafkaBootstrapBrokers(common),
    mqttBroker: async (options) => (await embedded()).startEmbeddedMqtt(options),
    batch: async (pool, logger) => (await import('@ysh/batch-jobs')).createBatchServices(pool, logger),
  };
}
