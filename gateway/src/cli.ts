import {
  commandServices,
  commonEnv,
  createLogger,
  gracefulShutdown,
  intFlag,
  loadCommonConfig,
  loadConfigOrExit,
  parseFlags,
  type CliCommand,
} from '@ysh/common';
import { gatewayEnv, loadGatewayConfig } from './config.ts';

// The gateway itself is imported when a command runs: `ysh` loads every package's
// commands to dispatch, and should not pay for the servers of the ones it does not run.

const GATEWAY_USAGE = `Usage: ysh gateway [--port P]

Authenticated telemetry ingest: POST /v1/telemetry (HTTP) and the MQTT bridge
(ysh/<site>/telemetry) into Kafka topic inverters_telemetry; /health, /metrics.
Options come from the environment (see gateway/README.md); --port overrides YSH_GATEWAY_PORT.`;

const SITES_USAGE = `Usage: ysh sites <command> <site>

  ysh sites add <site>      register a site
  ysh sites token <site>    issue a new token for the site (printed once, as the last word)
  ysh sites revoke <site>   revoke every token of the site, effective immediately
  ysh sites list            list sites with their live token and device counts
  ysh sites enroll-code <site> [--ttl 1h]
                            a one-time code an installer types into \`ysh-edge enroll\`
                            (single use, expires after --ttl, default 1h, at most 7d)
  ysh sites config <site> [--file site.yaml] [--comment TEXT]
                            store a new version of the site's remote configuration
                            (validated first); without --file print the current one

Uses the gateway's database (YSH_DATABASE_URL or the embedded one under YSH_DATA_DIR);
works whether the gateway runs or not.`;

const gatewayCommand: CliCommand = {
  name: 'gateway',
  env: { ...commonEnv, ...gatewayEnv },
  summary: 'run the telemetry gateway (HTTP + MQTT ingest into Kafka)',
  usage: GATEWAY_USAGE,
  async run(argv, context) {
    const { values } = parseFlags('gateway', argv, { port: { type: 'string' } });
    const config = loadConfigOrExit(() => {
      const c = loadGatewayConfig(process.env);
      return values.port === undefined ? c : { ...c, port: intFlag('port', values.port, c.port, 0, 65535) };
    }, 'gateway');
    const logger = createLogger('gateway', { level: config.common.logLevel });
    const shutdown = gracefulShutdown({ logger, deadlineMs: config.kafka.produceTimeoutMs + 5000 });
    const services = commandServices(context, config.common, 'gateway');
    const { startGateway } = await import('./gateway.ts');
    const gateway = await startGateway(config, { logger, services });
    shutdown.add({ name: 'gateway', run: () => gateway.close() });
    await new Promise<void>(() => {});
  },
};

const sitesCommand: CliCommand = {
  name: 'sites',
  env: commonEnv,
  summary: 'provision sites and their tokens (add, token, revoke, list)',
  usage: SITES_USAGE,
  async run(argv, context) {
    const { positionals, values } = parseFlags(
      'sites',
      argv,
      { ttl: { type: 'string' }, file: { type: 'string' }, comment: { type: 'string' } },
      true,
    );
    const [action, site, ...rest] = positionals;
    const actions = ['add', 'token', 'revoke', 'list', 'enroll-code', 'config'];
    const needsSite = action !== 'list';
    if (!action || !actions.includes(action) || (needsSite && !site) || rest.length > 0) {
      process.stderr.write(`${SITES_USAGE}\n`);
      process.exitCode = 2;
      return;
    }
    const common = loadConfigOrExit(() => loadCommonConfig(process.env), 'sites');
    const logger = createLogger('sites', { level: 'warn', destination: process.stderr });
    const services = commandServices(context, common, 'sites');
    const db = await services.database({ logger, application: 'ysh-sites', max: 2 });
    const { SiteRegistry } = await import('@ysh/common/registry');
    try {
      const registry = new SiteRegistry(db.pool);
      const out = (line: string) => process.stdout.write(`${line}\n`);
      if (action === 'add') {
        const created = await registry.addSite(site as string);
        out(created ? `site ${site} added` : `site ${site} already exists`);
      } else if (action === 'token') {
        const token = await registry.issueToken(site as string);
        out(`token for site ${site} (shown once, store it now): ${token}`);
      } else if (action === 'revoke') {
        const n = await registry.revokeTokens(site as string);
        out(`revoked ${n} token(s) of site ${site}`);
      } else if (action === 'enroll-code' || action === 'config') {
        const { runFleetAction } = await import('./fleet-cli.ts');
        await runFleetAction(action, site as string, values, db.pool, out);
      } else {
        for (const s of await registry.listSites()) out(`${s.id}\ttokens=${s.liveTokens}\tdevices=${s.devices}`);
      }
    } finally {
      await db.close();
    }
  },
};

export const commands: CliCommand[] = [gatewayCommand, sitesCommand];
