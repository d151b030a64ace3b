import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, intFlag, parseFlags } from '@ysh/common';
import { AGENT_VERSION } from './agent.ts';
import { loadEdgeConfig } from './config/edge-config.ts';
import { enroll } from './fleet/enrollment.ts';
import { installService, uninstallService } from './service/install-service.ts';
import { DEFAULT_UNIT } from './service/systemd-unit.ts';

export const EDGE_USAGE = `usage: ysh-edge [run] [--config site.yaml] [--port P] [--data-dir D]
       ysh-edge enroll --gateway URL --code CODE [--data-dir D] [--agent-id ID] [--force]
       ysh-edge install-service [--data-dir /var/lib/ysh-edge] [--config site.yaml] [--user ysh-edge]
                                [--port 7070] [--heap-mb 80] [--unit-dir /etc/systemd/system] [--units-only] [--no-start]
       ysh-edge uninstall-service [--unit-dir /etc/systemd/system] [--purge]
       ysh-edge health [--port 7070]
       ysh-edge version

Polls the site's inverters (SunSpec over Modbus TCP/RTU, MQTT-native devices),
stores every reading durably and forwards it to the gateway.

  run              (default) with --config: that site file, reloaded on SIGHUP; without: the
                   enrolled site's configuration from the platform, updated live
  enroll           exchange a one-time code (ysh sites enroll-code SITE) for the site token,
                   stored 0600 in the data directory; the token is never printed
  install-service  hardened systemd unit + health-check timer, own user, data dir (root)
  uninstall-service  stop and remove the units (the data directory stays unless --purge)
  health           exit 0 when the local agent's /health answers 200

  --config PATH    site config YAML (or YSH_EDGE_CONFIG)
  --port P         /health and /metrics port (default 7070, or YSH_EDGE_PORT; 0 = any)
  --data-dir D     buffer, seq state, enrollment (default YSH_DATA_DIR or .ysh-data)

Signals: SIGHUP reloads the site config (enrolled: checks the platform now); SIGTERM/SIGINT stop.
See edge-agent/README.md (installer's guide, config format).`;

const SUBCOMMANDS = ['run', 'enroll', 'install-service', 'uninstall-service', 'health', 'version', 'help'] as const;

/** Runs one ysh-edge subcommand; `run` resolves when the agent has stopped. Returns the exit code. */
export async function edgeMain(
  argv: string[],
  out: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): Promise<number> {
  const first = argv[0];
  const sub = first && (SUBCOMMANDS as readonly string[]).includes(first) ? first : 'run';
  const rest = sub === first ? argv.slice(1) : argv;
  if (rest.includes('--help') || rest.includes('-h') || sub === 'help') {
    out(EDGE_USAGE);
    return 0;
  }
  const proc = loadEdgeConfig(process.env);
  switch (sub) {
    case 'version':
      out(AGENT_VERSION);
      return 0;
    case 'enroll': {
      const { values } = parseFlags('enroll', rest, {
        gateway: { type: 'string' },
        code: { type: 'string' },
        'data-dir': { type: 'string' },
        'agent-id': { type: 'string' },
        force: { type: 'boolean' },
      });
      if (!values.gateway) throw new ConfigError('--gateway', 'is required (the gateway URL the installer was given)');
      if (!values.code) throw new ConfigError('--code', 'is required (from ysh sites enroll-code SITE)');
      const dataDir = values['data-dir'] ? resolve(values['data-dir']) : proc.dataDir;
      const e = await enroll({
        gateway: values.gateway,
        code: values.code,
        dataDir,
        agentId: values['agent-id'] ?? proc.agentId,
        force: values.force ?? false,
      });
      out(
        `enrolled: site ${e.site} as agent ${e.agentId}; token stored in ${dataDir}/edge (readable by this user only)`,
      );
      return 0;
    }
    case 'install-service': {
      const { values } = parseFlags('install-service', rest, {
        'data-dir': { type: 'string' },
        config: { type: 'string' },
        user: { type: 'string' },
        port: { type: 'string' },
        'heap-mb': { type: 'string' },
        'unit-dir': { type: 'string' },
        'units-only': { type: 'boolean' },
        'no-start': { type: 'boolean' },
      });
      const files = await installService({
        ...DEFAULT_UNIT,
        node: process.execPath,
        entry: realpathSync(process.argv[1] as string),
        dataDir: values['data-dir'] ? resolve(values['data-dir']) : DEFAULT_UNIT.dataDir,
        configPath: values.config ? resolve(values.config) : undefined,
        user: values.user ?? DEFAULT_UNIT.user,
        port: intFlag('port', values.port, DEFAULT_UNIT.port, 1, 65535),
        heapMb: intFlag('heap-mb', values['heap-mb'], DEFAULT_UNIT.heapMb, 32, 4096),
        unitDir: values['unit-dir'] ?? '/etc/systemd/system',
        unitsOnly: values['units-only'] ?? false,
        start: !(values['no-start'] ?? false),
      });
      out(`installed ${files.service}, ${files.watchdog}, ${files.timer}`);
      return 0;
    }
    case 'uninstall-service': {
      const { values } = parseFlags('uninstall-service', rest, {
        'unit-dir': { type: 'string' },
        'units-only': { type: 'boolean' },
        purge: { type: 'boolean' },
        'data-dir': { type: 'string' },
        user: { type: 'string' },
      });
      const files = await uninstallService({
        name: DEFAULT_UNIT.name,
        unitDir: values['unit-dir'] ?? '/etc/systemd/system',
        unitsOnly: values['units-only'] ?? false,
        purge: values.purge
          ? { dataDir: values['data-dir'] ?? DEFAULT_UNIT.dataDir, user: values.user ?? DEFAULT_UNIT.user }
          : undefined,
      });
      out(`removed ${files.service}, ${files.watchdog}, ${files.timer}`);
      return 0;
    }
    case 'health': {
      const { values } = parseFlags('health', rest, { port: { type: 'string' } });
      const port = intFlag('port', values.port, proc.port, 1, 65535);
      const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(10_000) }).catch(
        (err: Error) => err,
      );
      if (res instanceof Error || !res.ok) {
        out(`unhealthy: ${res instanceof Error ? res.message : `HTTP ${res.status}`}`);
        return 1;
      }
      out('healthy');
      return 0;
    }
    default: {
      const { runEdge } = await import('./run.ts');
      const agent = await runEdge(rest);
      await new Promise<void>((resolveStopped) => {
        const timer = setInterval(() => undefined, 1 << 30);
        const origStop = agent.stop.bind(agent);
        agent.stop = async () => {
          await origStop();
          clearInterval(timer);
          resolveStopped();
        };
      });
      return 0;
    }
  }
}
