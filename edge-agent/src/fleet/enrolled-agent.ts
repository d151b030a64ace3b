import { parseRemoteSiteConfig, type EnrolledUplink, type SiteConfig } from '@ysh/common/fleet';
import type { Logger } from '@ysh/common';
import { AGENT_VERSION, startEdgeAgent, type EdgeAgent, type EdgeAgentOptions } from '../agent.ts';
import { EdgeError } from '../errors.ts';
import { readEnrollment } from './enrollment.ts';
import { FleetLink, fetchRemoteConfig, type HeartbeatBody } from './fleet-link.ts';
import { fleetPath, readOptional, writePrivateFile } from './private-files.ts';

export interface EnrolledAgentOptions extends Omit<EdgeAgentOptions, 'logger'> {
  logger: Logger;
  heartbeatMs: number;
}

export interface EnrolledAgent {
  agent: EdgeAgent;
  link: FleetLink;
  /** The configuration version running (null: none received yet) and the last one refused, if any. */
  state(): { configVersion: number | null; configError: string | null };
  stop(): Promise<void>;
}

/** A site with no configuration in the platform yet: the agent runs, beats, and polls nothing. */
const EMPTY = 'devices: []\n';

/** The heartbeat of an agent: what it runs and how it is doing. */
export function heartbeatOf(
  agent: EdgeAgent,
  agentId: string,
  config: { configVersion: number | null; configError: string | null },
): Omit<HeartbeatBody, 'sentAt'> {
  const s = agent.status();
  return {
    agentId,
    version: AGENT_VERSION,
    configVersion: config.configVersion,
    configError: config.configError,
    uptimeS: Math.round((Date.now() - s.startedAt) / 1000),
    bufferDepth: s.bufferDepth,
    oldestBufferedAt: s.oldestBufferedAt,
    devices: s.devices,
    identities: s.identities,
    lastError: config.configError ?? s.lastError,
  };
}

/**
 * An enrolled agent: runs the site's configuration from the platform (the last good one kept in
 * the data directory, so a restart without network polls at once), beats every `heartbeatMs`,
 * and applies a newer version named by a heartbeat answer with the agent's reload (buffer kept).
 * A version that fails validation on the box is not applied; the error is reported in the next
 * heartbeats until a newer version arrives.
 */
export async function startEnrolledAgent(opts: EnrolledAgentOptions): Promise<EnrolledAgent> {
  const { logger } = opts;
  const enrolled = await readEnrollment(opts.dataDir);
  if (!enrolled)
    throw new EdgeError(
      'EDGE_ENROLL_STATE',
      `no site config given and this box is not enrolled (${fleetPath(opts.dataDir, 'enrollment')} is missing): run ysh-edge enroll --gateway URL --code CODE, or pass --config site.yaml`,
    );
  const { enrollment, token } = enrolled;
  const uplink: EnrolledUplink = { site: enrollment.site, url: enrollment.gateway, token };

  let running: { version: number; body: string } | undefined;
  let config: SiteConfig = parseRemoteSiteConfig(EMPTY, uplink);
  const saved = await readOptional(fleetPath(opts.dataDir, 'remoteConfig'));
  if (saved !== undefined) {
    try {
      const last = JSON.parse(saved) as { version: number; body: string };
      config = parseRemoteSiteConfig(last.body, uplink, `remote config v${last.version}`);
      running = last;
    } catch (err) {
      logger.error(
        { err: (err as Error).message },
        'the saved remote configuration is not usable; waiting for the platform',
      );
    }
  }
  let configError: string | null = null;
  let refused: number | undefined;

  const agent = await startEdgeAgent(config, { ...opts, logger });
  const state = () => ({ configVersion: running?.version ?? null, configError });

  let applying = Promise.resolve();
  const apply = async (latest: number | null): Promise<void> => {
    if (latest === null || latest === running?.version || latest === refused) return;
    const fetched = await fetchRemoteConfig(enrollment.gateway, token);
    if (!fetched || fetched.version === running?.version) return;
    let next: SiteConfig;
    try {
      next = parseRemoteSiteConfig(fetched.body, uplink, `remote config v${fetched.version}`);
    } catch (err) {
      refused = fetched.version;
      configError = `version ${fetched.version} refused, version ${running?.version ?? 'none'} keeps running: ${(err as Error).message}`;
      logger.error({ version: fetched.version, err: (err as Error).message }, 'remote configuration refused');
      link.beatSoon();
      return;
    }
    await agent.reload(next);
    running = fetched;
    refused = undefined;
    configError = null;
    await writePrivateFile(fleetPath(opts.dataDir, 'remoteConfig'), JSON.stringify(fetched));
    logger.info({ version: fetched.version, devices: next.devices.length }, 'remote configuration applied');
    link.beatSoon();
  };

  const link = new FleetLink({
    gateway: enrollment.gateway,
    token,
    intervalMs: opts.heartbeatMs,
    logger,
    status: () => heartbeatOf(agent, enrollment.agentId, state()),
    onConfigVersion: (latest) => {
      applying = applying.then(() =>
        apply(latest).catch((err: unknown) => {
          logger.warn({ err: (err as Error).message }, 'remote configuration not fetched, will retry');
        }),
      );
      return applying;
    },
  });
  link.start();
  logger.info(
    { site: enrollment.site, agentId: enrollment.agentId, configVersion: running?.version ?? null },
    'enrolled agent started',
  );
  return {
    agent,
    link,
    state,
    async stop() {
      await link.stop();
      await applying;
      await agent.stop();
    },
  };
}
