export {
  startEmbeddedPostgres,
  type EmbeddedPostgres,
  type EmbeddedPostgresOptions,
} from './postgres/embedded-postgres.ts';
export { acquireDirLock, type DirLock } from './postgres/dir-lock.ts';
export {
  startEmbeddedMqtt,
  topicMatches,
  type EmbeddedMqtt,
  type EmbeddedMqttOptions,
  type MqttPrincipal,
} from './mqtt/embedded-mqtt.ts';
export { MemoryKv } from './kv/memory-kv.ts';
export { connectDatabase, connectKv, mqttUrl, kafkaBrokers, type DatabaseHandle } from './connect.ts';
