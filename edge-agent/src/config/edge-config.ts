import { resolve } from 'node:path';
import { DEFAULT_PORTS, env, LOG_LEVELS, readEnv, type LogLevel } from '@ysh/common';

export const edgeEnv = {
  YSH_DATA_DIR: env.string({ default: '.ysh-data', expects: 'a directory path' }),
  YSH_LOG_LEVEL: env.oneOf(LOG_LEVELS, { default: 'info' }),
  YSH_EDGE_CONFIG: env.optional(env.string({ expects: 'the path of the site config YAML' })),
  YSH_EDGE_PORT: env.port({ default: DEFAULT_PORTS.edgeOps }),
  YSH_EDGE_HEARTBEAT: env.duration({ default: '60s' }),
  YSH_EDGE_AGENT_ID: env.optional(env.string({ expects: 'an agent id (letters, digits, . _ : -; up to 128)' })),
  YSH_OPS_HOST: env.string({ default: '127.0.0.1', expects: 'a host name or address to listen on' }),
};

/** Process-level options of `ysh edge` (the site itself is described by the YAML file). */
export interface EdgeProcessConfig {
  dataDir: string;
  logLevel: LogLevel;
  configPath: string | undefined;
  port: number;
  /** Heartbeat interval (0 = none; a local-file agent with an MQTT uplink has none either). */
  heartbeatMs: number;
  /** This box in the fleet view (default: the enrollment's, else the host name). */
  agentId: string | undefined;
  opsHost: string;
}

export function loadEdgeConfig(source: NodeJS.ProcessEnv, cwd = process.cwd()): Readonly<EdgeProcessConfig> {
  const e = readEnv(edgeEnv, source);
  return Object.freeze({
    dataDir: resolve(cwd, e.YSH_DATA_DIR),
    logLevel: e.YSH_LOG_LEVEL,
    configPath: e.YSH_EDGE_CONFIG,
    port: e.YSH_EDGE_PORT,
    heartbeatMs: e.YSH_EDGE_HEARTBEAT,
    agentId: e.YSH_EDGE_AGENT_ID,
    opsHost: e.YSH_OPS_HOST,
  });
}
