export {
  startEmbeddedPostgres,
  type EmbeddedPostgres,
  type EmbeddedPostgresOptions,
} from './postgres/embedded-postgres.ts';
export { acquireDirLock, type DirLock } from './postgres/dir-lock.ts';
export { startEmbeddedMqtt, type EmbeddedMqtt, type EmbeddedMqttOptions } from './mqtt/embedded-mqtt.ts';
export { MemoryKv } from './kv/memory-kv.ts';
export { connectEmbeddedDatabase } from './connect.ts';
