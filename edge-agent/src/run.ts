import { resolve } from 'node:path';
import { ConfigError, createLogger, gracefulShutdown, intFlag, parseFlags, type Logger } from '@ysh/common';
import { startEdgeAgent, type EdgeAgent, type EdgeAgentOptions } from './agent.ts';
import { loadEdgeConfig } from './config/edge-config.ts';
import { loadSiteConfig } from './config/site-config.ts';

export const EDGE_FLAGS = {
  config: { type: 'string' },
  port: { type: 'string' },
  'data-dir': { type: 'string' },
} as const;

export interface RunOptions {
  logger?: Logger;
  /** Extra agent options (the child-process entry adds onStored). */
  agent?: Partial<EdgeAgentOptions>;
  /** Exit the process on shutdown (default true). */
  exit?: boolean;
}

/**
 * `ysh edge`: load env + site config, start the agent, reload on SIGHUP
 * (a bad new file is logged and the running config kept), stop on SIGTERM/SIGINT.
 */
export async function runEdge(argv: string[], opts: RunOptions = {}): Promise<EdgeAgent> {
  const { values } = parseFlags('edge', argv, EDGE_FLAGS);
  const proc = loadEdgeConfig(process.env);
  const configPath = values.config ?? proc.configPath;
  if (!configPath) throw new ConfigError('--config', 'is required (the site config YAML; or set YSH_EDGE_CONFIG)');
  const path = resolve(configPath);
  const port = intFlag('port', values.port, proc.port, 0, 65535);
  const dataDir = values['data-dir'] ? resolve(values['data-dir']) : proc.dataDir;
  const logger = opts.logger ?? createLogger('edge-agent', { level: proc.logLevel });
  const site = await loadSiteConfig(path);
  const agent = await startEdgeAgent(site, { dataDir, port, logger, ...opts.agent });

  const shutdown = gracefulShutdown({ logger, exit: opts.exit ?? true, deadlineMs: 20_000 });
  shutdown.add({ name: 'edge agent', run: () => agent.stop() });
  let reloading = Promise.resolve();
  process.on('SIGHUP', () => {
    reloading = reloading.then(async () => {
      try {
        const next = await loadSiteConfig(path);
        await agent.reload(next);
      } catch (err) {
        logger.error({ err: (err as Error).message }, 'reload failed, keeping the running config');
      }
    });
  });
  return agent;
}
