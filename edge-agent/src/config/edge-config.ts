import { resolve } from 'node:path';
import { DEFAULT_PORTS, env, LOG_LEVELS, readEnv, type LogLevel } from '@ysh/common';

export const edgeEnv = {
  YSH_DATA_DIR: env.string({ default: '.ysh-data', expects: 'a directory path' }),
  YSH_LOG_LEVEL: env.oneOf(LOG_LEVELS, { default: 'info' }),
  YSH_EDGE_CONFIG: env.optional(env.string({ expects: 'the path of the site config YAML' })),
  YSH_EDGE_PORT: env.port({ default: DEFAULT_PORTS.edgeOps }),
};

/** Process-level options of `ysh edge` (the site itself is described by the YAML file). */
export interface EdgeProcessConfig {
  dataDir: string;
  logLevel: LogLevel;
  configPath: string | undefined;
  port: number;
}

export function loadEdgeConfig(source: NodeJS.ProcessEnv, cwd = process.cwd()): Readonly<EdgeProcessConfig> {
  const e = readEnv(edgeEnv, source);
  return Object.freeze({
    dataDir: resolve(cwd, e.YSH_DATA_DIR),
    logLevel: e.YSH_LOG_LEVEL,
    configPath: e.YSH_EDGE_CONFIG,
    port: e.YSH_EDGE_PORT,
  });
}
