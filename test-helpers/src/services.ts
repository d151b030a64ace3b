import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Integration groups switched on by the presence of a real service or tool.
 * The global setup prints one line per group it skips; test files use
 * `describe.skipIf(!available(x))` with the same entries.
 */
export const SERVICES = {
  postgres: { env: 'YSH_TEST_DATABASE_URL', what: 'real PostgreSQL' },
  redis: { env: 'YSH_TEST_REDIS_URL', what: 'real Redis' },
  mqtt: { env: 'YSH_TEST_MQTT_URL', what: 'real Mosquitto' },
} as const;

export type ServiceName = keyof typeof SERVICES;

export function serviceUrl(name: ServiceName): string | undefined {
  const value = process.env[SERVICES[name].env];
  return value === undefined || value === '' ? undefined : value;
}

/** Debian tools some groups use as real third-party peers. */
export const TOOLS = {
  kcat: 'kcat (librdkafka) cross-client tests',
  mbpoll: 'mbpoll Modbus master tests',
  socat: 'Modbus RTU over a virtual serial pair',
  mosquitto_pub: 'mosquitto-clients MQTT tests',
  'victoria-metrics': 'InfluxDB line-protocol read-back tests',
  pdftotext: 'proposal PDF checks (poppler-utils: pdftotext, pdftoppm)',
  chromium: 'web console browser tests (Chromium through playwright-core)',
  'systemd-analyze': 'systemd-analyze verify of the edge agent units',
} as const;

const toolCache = new Map<string, boolean>();
export function hasTool(name: string): boolean {
  let found = toolCache.get(name);
  if (found === undefined) {
    found = spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
    toolCache.set(name, found);
  }
  return found;
}

/**
 * Groups that need several services or tools at once. Each declares what it needs;
 * its test file skips with `skipReason(name)` and skippedGroups() prints the same reason.
 */
export const GROUPS = {
  'e2e-real-services': {
    what: 'end-to-end pipeline on real PostgreSQL, Redis, Mosquitto and VictoriaMetrics',
    services: ['postgres', 'redis', 'mqtt'],
    tools: ['victoria-metrics'],
  },
} as const satisfies Record<
  string,
  { what: string; services: readonly ServiceName[]; tools: readonly (keyof typeof TOOLS)[] }
>;

export type GroupName = keyof typeof GROUPS;

/** Why a group cannot run here, e.g. "YSH_TEST_REDIS_URL is not set, victoria-metrics is not installed"; undefined when it can. */
export function skipReason(group: GroupName): string | undefined {
  const g = GROUPS[group];
  const reasons = [
    ...g.services.filter((s) => serviceUrl(s) === undefined).map((s) => `${SERVICES[s].env} is not set`),
    ...g.tools.filter((t) => !hasTool(t)).map((t) => `${t} is not installed`),
  ];
  return reasons.length === 0 ? undefined : reasons.join(', ');
}

export function hasPythonModule(module: string): boolean {
  return spawnSync('/usr/bin/python3', ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;
}

/** The group that needs a real full filesystem (edge-agent/src/buffer/segment-log.test.ts). */
export const TMPFS_GROUP = 'edge buffer on a full disk (ENOSPC on a small tmpfs)';

/** Carries the probe's answer from the global setup to the test workers (they inherit the environment). */
const TMPFS_PROBE_ENV = 'YSH_TEST_TMPFS_PROBE';

/**
 * Why a tmpfs cannot be mounted here, or undefined when it can. Probed with one
 * mount of a 64 KiB tmpfs per run: the answer is cached in the process and in
 * the environment, so the global setup, the summary and the test agree.
 */
export function tmpfsUnavailable(): string | undefined {
  const cached = process.env[TMPFS_PROBE_ENV];
  if (cached !== undefined) return cached === 'ok' ? undefined : cached;
  let why: string | undefined;
  if (process.platform !== 'linux') why = `tmpfs needs Linux (this is ${process.platform})`;
  else if (process.getuid?.() !== 0) why = `mounting a tmpfs needs root (running as uid ${process.getuid?.()})`;
  else {
    const probe = mkdtempSync(join(tmpdir(), 'ysh-tmpfs-probe-'));
    try {
      const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { encoding: 'utf8' });
      if (r.status === 0) spawnSync('umount', [probe]);
      else why = `mount -t tmpfs failed: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n')[0]}`;
    } finally {
      rmSync(probe, { recursive: true, force: true });
    }
  }
  process.env[TMPFS_PROBE_ENV] = why ?? 'ok';
  return why;
}

export function canMountTmpfs(): boolean {
  return tmpfsUnavailable() === undefined;
}

/** The group that installs the packed edge agent from the npm registry (tests/src/edge/lean-install.test.ts). */
export const NPM_REGISTRY_GROUP = 'lean edge install from the npm registry';

const NPM_PROBE_ENV = 'YSH_TEST_NPM_REGISTRY_PROBE';

/**
 * Why the npm registry cannot be reached (`npm ping`), or undefined when it can. Probed once per run and
 * carried in the environment like the tmpfs probe, so the global setup, the summary and the test agree.
 */
export function npmRegistryUnreachable(): string | undefined {
  const cached = process.env[NPM_PROBE_ENV];
  if (cached !== undefined) return cached === 'ok' ? undefined : cached;
  const r = spawnSync('npm', ['ping'], { encoding: 'utf8', timeout: 30_000 });
  const why =
    r.status === 0
      ? undefined
      : `npm ping failed: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').slice(0, 3).join(' ')}`;
  process.env[NPM_PROBE_ENV] = why ?? 'ok';
  return why;
}

/** Lines saying what will not run here and why (printed once by the global setup). */
export function skippedGroups(): string[] {
  const lines: string[] = [];
  for (const [, s] of Object.entries(SERVICES)) {
    if (!process.env[s.env]) lines.push(`SKIP ${s.what} contract tests: ${s.env} is not set`);
  }
  for (const [tool, what] of Object.entries(TOOLS)) {
    if (!hasTool(tool)) lines.push(`SKIP ${what}: ${tool} is not installed`);
  }
  if (!hasPythonModule('pymodbus')) lines.push('SKIP pymodbus client tests: python3-pymodbus is not installed');
  const tmpfs = tmpfsUnavailable();
  if (tmpfs !== undefined) lines.push(`SKIP ${TMPFS_GROUP}: ${tmpfs}`);
  const npm = npmRegistryUnreachable();
  if (npm !== undefined) lines.push(`SKIP ${NPM_REGISTRY_GROUP}: ${npm}`);
  for (const [name, g] of Object.entries(GROUPS)) {
    const reason = skipReason(name as GroupName);
    if (reason) lines.push(`SKIP ${g.what}: ${reason}`);
  }
  return lines;
}
