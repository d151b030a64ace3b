import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCommands } from '@ysh/cli/registry';
import type { CliCommand } from '@ysh/common';
import { COMPOSE_SCRAPE_TARGETS, DATASOURCES, GRAFANA_DASHBOARDS_DIR } from '@ysh/dashboards';
import { REPO_ROOT } from '@ysh/test-helpers';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * docker-compose.yml checked against the code, statically: no Docker engine runs
 * here, so nothing is started. Commands are resolved in the `ysh` registry,
 * environment variables in the commands' declared env specs (what their config
 * loaders read), health checks and scrape targets against the ports the
 * commands are given, datasource URLs against the services.
 */

interface Service {
  image?: string;
  build?: unknown;
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string>;
  env_file?: Array<{ path: string; required?: boolean }>;
  ports?: string[];
  volumes?: string[];
  profiles?: string[];
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: { test: string[] };
  restart?: string;
}

const IMAGE = 'ysh-telemetry:latest';

const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const services = Object.entries(compose.services);
const components = services.filter(([, s]) => s.image === IMAGE);

/** The `ysh` invocations of a service: its command, or every `ysh <cmd> …` of a shell script. */
function invocations(s: Service): string[][] {
  if (s.entrypoint?.[0] === 'sh') {
    const script = (s.command ?? []).join('\n');
    return [...script.matchAll(/\bysh\s+([^\n|;&>]+)/g)].map((m) => (m[1] as string).trim().split(/\s+/));
  }
  return [s.command ?? []];
}
const flag = (argv: string[], name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
/** Keys of an env file, from its committed `.example` (the real file holds the secrets and is not committed). */
const envFileKeys = (path: string) =>
  readFileSync(join(REPO_ROOT, `${path}.example`), 'utf8')
    .split('\n')
    .filter((l) => /^[A-Z_][A-Z0-9_]*=/.test(l))
    .map((l) => l.slice(0, l.indexOf('=')));

describe('docker-compose.yml (static checks; no Docker engine here)', () => {
  let commands: Map<string, CliCommand>;
  beforeAll(async () => {
    commands = new Map((await loadCommands()).map((c) => [c.name, c]));
  });

  it('parses and has every component, Grafana, the metrics and demo profiles', () => {
    const names = services.map(([n]) => n);
    for (const n of [
      'gateway',
      'processor',
      'jobs',
      'api',
      'grafana',
      'influxdb',
      'kafka',
      'postgres',
      'redis',
      'mosquitto',
    ]) {
      expect(names).toContain(n);
    }
    expect(compose.services.victoriametrics?.profiles).toEqual(['metrics']);
    expect(compose.services.sim?.profiles).toEqual(['demo']);
    expect(components.filter(([n]) => n.startsWith('edge-')).length).toBe(3);
    // One image for every component, built once from the multi-stage Dockerfile.
    expect(components.filter(([, s]) => s.build !== undefined).length).toBe(1);
    expect(existsSync(join(REPO_ROOT, 'Dockerfile'))).toBe(true);
  });

  it('every command of a component service is a ysh subcommand of the registry', () => {
    for (const [name, s] of components) {
      for (const argv of invocations(s)) {
        const cmd = argv[0] as string;
        expect(commands.has(cmd), `${name}: ysh ${cmd} is not a ysh command`).toBe(true);
      }
    }
  });

  it('every environment variable a component service sets is one its command reads; env files only hold variables some component reads', () => {
    const all = new Set([...commands.values()].flatMap((c) => Object.keys(c.env ?? {})));
    for (const [name, s] of components) {
      const cmd = commands.get(invocations(s)[0]?.[0] as string);
      expect(cmd, `${name}: not a ysh command`).toBeDefined();
      if (!cmd) continue;
      expect(cmd.env, `ysh ${cmd.name} declares no env specs`).toBeDefined();
      for (const key of Object.keys(s.environment ?? {})) {
        expect(Object.keys(cmd.env ?? {}), `${name}: ysh ${cmd.name} does not read ${key}`).toContain(key);
      }
      for (const file of s.env_file ?? []) {
        for (const key of envFileKeys(file.path))
          expect(all.has(key), `${file.path}: no component reads ${key}`).toBe(true);
      }
    }
  });

  it('secrets come from env files, never inline', () => {
    for (const [name, s] of services) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        if (/PASSWORD|TOKEN|SECRET|API_KEY/.test(key)) expect.fail(`${name}: ${key} is set inline`);
        expect(String(value), `${name}: ${key}`).not.toMatch(/:\/\/[^/]*:[^@/]+@/);
      }
    }
    for (const [, s] of components) expect(s.env_file?.map((f) => f.path)).toEqual(['docker/ysh.env']);
    expect(readFileSync(join(REPO_ROOT, '.gitignore'), 'utf8')).toMatch(/^docker\/ysh\.env$/m);
  });

  it('every long-running component has a health check on /health at the port its command serves', () => {
    for (const [name, s] of components) {
      const argv = invocations(s).at(-1) as string[];
      const cmd = argv[0] as string;
      if (['db', 'sites'].includes(cmd) || s.restart === 'no') continue;
      const port = cmd === 'sim' ? flag(argv, '--control-port') : flag(argv, '--port');
      expect(port, `${name}: no --port`).toBeDefined();
      const test = (s.healthcheck?.test ?? []).join(' ');
      expect(test, `${name}`).toContain(`http://127.0.0.1:${port}/health`);
    }
  });

  it('depends_on always names a condition, and service_healthy only services with a health check', () => {
    for (const [name, s] of services) {
      for (const [dep, d] of Object.entries(s.depends_on ?? {})) {
        expect(compose.services[dep], `${name} depends on ${dep}`).toBeDefined();
        expect(['service_healthy', 'service_completed_successfully', 'service_started']).toContain(d.condition);
        if (d.condition === 'service_healthy') expect(compose.services[dep]?.healthcheck, `${dep}`).toBeDefined();
      }
    }
  });

  it('datasource URLs, the processor InfluxDB URL and the scrape targets agree with the services and their ports', () => {
    const influx = new URL(DATASOURCES.influxdb.url);
    expect(compose.services[influx.hostname]?.ports).toContain(`${influx.port}:${influx.port}`);
    expect(compose.services.processor?.environment?.YSH_INFLUX_URL).toBe(DATASOURCES.influxdb.url);
    const vm = new URL(DATASOURCES.prometheus.url);
    expect(compose.services[vm.hostname]?.ports).toContain(`${vm.port}:${vm.port}`);
    for (const job of COMPOSE_SCRAPE_TARGETS) {
      for (const target of job.targets) {
        const [host, port] = target.split(':') as [string, string];
        const s = compose.services[host];
        expect(s, `scrape target ${target}`).toBeDefined();
        const argv = invocations(s as Service).at(-1) as string[];
        expect(flag(argv, argv[0] === 'sim' ? '--control-port' : '--port'), target).toBe(port);
        // Reachable from the VictoriaMetrics container: listening on every interface.
        const env = (s as Service).environment ?? {};
        expect(
          env.YSH_OPS_HOST ??
            env.YSH_GATEWAY_HOST ??
            env.YSH_API_HOST ??
            (argv.includes('--host') ? flag(argv, '--host') : undefined),
          target,
        ).toBe('0.0.0.0');
      }
    }
  });

  it('Grafana mounts the generated provisioning and dashboards where the providers look', () => {
    const volumes = compose.services.grafana?.volumes ?? [];
    expect(volumes).toContain('./dashboards/grafana/provisioning:/etc/grafana/provisioning:ro');
    expect(volumes).toContain(`./dashboards/grafana/dashboards:${GRAFANA_DASHBOARDS_DIR}:ro`);
    for (const v of [...volumes, ...(compose.services.victoriametrics?.volumes ?? [])]) {
      if (v.startsWith('./')) expect(existsSync(join(REPO_ROOT, v.split(':')[0] as string)), v).toBe(true);
    }
  });
});
