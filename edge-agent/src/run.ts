import { resolve } from 'node:path';
import { createLogger, gracefulShutdown, intFlag, parseFlags, type Logger } from '@ysh/common';
import { startEdgeAgent, type EdgeAgent, type EdgeAgentOptions } from './agent.ts';
import { loadEdgeConfig } from './config/edge-config.ts';
import { loadSiteConfig } from './config/site-config.ts';
import { defaultAgentId } from './fleet/enrollment.ts';
import { heartbeatOf, startEnrolledAgent } from './fleet/enrolled-agent.ts';
import { FleetLink } from './fleet/fleet-link.ts';

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
 * `ysh edge` / `ysh-edge run`: with a site config file (--config or YSH_EDGE_CONFIG), run it and
 * reload it on SIGHUP (a bad new file is logged and the running config kept); without one, run as
 * an enrolled agent on the platform's configuration. Heartbeats go to the gateway either way
 * (HTTP uplinks). SIGTERM/SIGINT stop gracefully.
 */
export async function runEdge(argv: string[], opts: RunOptions = {}): Promise<EdgeAgent> {
  const { values } = parseFlags('edge', argv, EDGE_FLAGS);
  const proc = loadEdgeConfig(process.env);
  const configPath = values.config ?? proc.configPath;
  const port = intFlag('port', values.port, proc.port, 0, 65535);
  const dataDir = values['data-dir'] ? resolve(values['data-dir']) : proc.dataDir;
  const logger = opts.logger ?? createLogger('edge-agent', { level: proc.logLevel });
  const shutdown = gracefulShutdown({ logger, exit: opts.exit ?? true, deadlineMs: 20_000 });

  if (!configPath) {
    const enrolled = await startEnrolledAgent({
      dataDir,
      port,
      logger,
      heartbeatMs: proc.heartbeatMs || 60_000,
      ...opts.agent,
    });
    shutdown.add({ name: 'edge agent', run: () => enrolled.stop() });
    process.on('SIGHUP', () => enrolled.link.beatSoon());
    return enrolled.agent;
  }

  const path = resolve(configPath);
  const site = await loadSiteConfig(path);
  const agent = await startEdgeAgent(site, { dataDir, port, opsHost: proc.opsHost, logger, ...opts.agent });
  let link: FleetLink | undefined;
  if (proc.heartbeatMs > 0 && site.gateway.transport === 'http') {
    const agentId = proc.agentId ?? defaultAgentId();
    link = new FleetLink({
      gateway: site.gateway.url.replace(/\/+$/, ''),
      token: site.gateway.token,
      intervalMs: proc.heartbeatMs,
      logger,
      status: () => heartbeatOf(agent, agentId, { configVersion: null, configError: null }),
    });
    link.start();
  }
  shutdown.add({
    name: 'edge agent',
    run: async () => {
      await link?.stop();
      await agent.stop();
    },
  });
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
