import { join } from 'node:path';
import { ConfigError, DEFAULT_PORTS, intFlag, loadCommonConfig, type LogLevel } from '@ysh/common';

export interface BrokerCliConfig {
  dataDir: string;
  host: string;
  port: number;
  opsPort: number;
  defaultPartitions: number;
  fsync: 'batch' | { intervalMs: number };
  retentionMs: number | undefined;
  retentionBytes: number | undefined;
  segmentBytes: number | undefined;
  logLevel: LogLevel;
}

export interface BrokerFlags {
  'data-dir'?: string;
  host?: string;
  port?: string;
  'ops-port'?: string;
  partitions?: string;
  fsync?: string;
  'retention-ms'?: string;
  'retention-bytes'?: string;
  'segment-bytes'?: string;
}

/** `--fsync batch` or `--fsync <interval ms>`. */
export function parseFsync(raw: string | undefined): 'batch' | { intervalMs: number } {
  if (raw === undefined) return { intervalMs: 1000 };
  if (raw === 'batch') return 'batch';
  if (/^\d+$/.test(raw) && Number(raw) > 0) return { intervalMs: Number(raw) };
  throw new ConfigError('--fsync', `expected "batch" or an interval in milliseconds (> 0), got ${JSON.stringify(raw)}`);
}

/** Broker settings from the environment (YSH_DATA_DIR, YSH_EMBEDDED_KAFKA_PORT, YSH_LOG_LEVEL), overridden by flags. */
export function loadBrokerConfig(env: NodeJS.ProcessEnv, flags: BrokerFlags = {}): Readonly<BrokerCliConfig> {
  const common = loadCommonConfig(env);
  const optionalInt = (name: string, raw: string | undefined) =>
    raw === undefined ? undefined : intFlag(name, raw, 0, 1);
  return Object.freeze({
    dataDir: flags['data-dir'] ?? join(common.dataDir, 'kafka'),
    host: flags.host ?? '127.0.0.1',
    port: intFlag('port', flags.port, common.embedded.kafkaPort, 0, 65535),
    opsPort: intFlag('ops-port', flags['ops-port'], DEFAULT_PORTS.brokerOps, 0, 65535),
    defaultPartitions: intFlag('partitions', flags.partitions, 1, 1, 10_000),
    fsync: parseFsync(flags.fsync),
    retentionMs: optionalInt('retention-ms', flags['retention-ms']),
    retentionBytes: optionalInt('retention-bytes', flags['retention-bytes']),
    segmentBytes:
      flags['segment-bytes'] === undefined ? undefined : intFlag('segment-bytes', flags['segment-bytes'], 0, 1024),
    logLevel: common.logLevel,
  });
}
