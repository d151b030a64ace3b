import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inject } from 'vitest';
import { freePort, freePortRange } from './free-port.ts';
import { hasTool } from './services.ts';
import { VICTORIA_METRICS_BIN, victoriaMetricsArgs } from './victoria-metrics.ts';
import { sleep, waitFor } from './wait.ts';
import { REPO_ROOT, YSH_BIN } from './ysh-process.ts';

/**
 * One `ysh start` platform (embedded PostgreSQL, broker and MQTT, gateway, processor, jobs
 * worker, simulator and three edge agents) shared by every test file of a run, so files that need
 * a running pipeline do not each pay for starting one.
 *
 * The first file that asks starts it, detached, with its output in a file (it must outlive that
 * file's worker process); the others wait for its state file. A directory created with `mkdir`
 * is the lock. The global setup stops it at the end of the run (`stopSharedPlatform`).
 *
 * Tests must treat it as shared: use their own topics, sites or alert rules where they write, and
 * never stop or reconfigure it.
 */
export interface SharedPlatform {
  dataDir: string;
  /** first port of the block `--port-base` lays out */
  base: number;
  databaseUrl: string;
  kafkaBrokers: string[];
  /** the gateway's base URL, e.g. http://127.0.0.1:21005 */
  gatewayUrl: string;
  /** every `name  url …` line of the status table: component → URLs on that line */
  urls: Record<string, string[]>;
  /**
   * Debian's VictoriaMetrics, when installed: the processor writes its InfluxDB line protocol there
   * (YSH_INFLUX_URL, raw readings included), and it scrapes the Prometheus targets a test writes to
   * `scrapeConfig` (re-read every 2 s; empty at first).
   */
  victoriaMetrics?: { url: string; scrapeConfig: string };
  /** the platform's output so far (for failure messages) */
  output(): Promise<string>;
}

interface State {
  pid: number;
  base: number;
  dataDir: string;
  log: string;
  urls: Record<string, string[]>;
  vm?: { pid: number; url: string; scrapeConfig: string };
}

/** How many ports the fixture reserves for `ysh start --port-base` (its block plus room to grow). */
const PORT_BLOCK = 24;
const READY = /Ctrl-C stops everything/;
/**
 * `ysh start` runs about twenty processes one after another, each loading the CLI (some 3 s of a
 * quiet core): about 90 s on this 2-core machine when quiet, and several times that under the
 * suite's own load.
 */
const START_TIMEOUT_MS = 420_000;
/** The longest `sharedPlatform()` may take: the timeout of the hook or test that calls it first must cover it. */
export const SHARED_PLATFORM_WAIT_MS = START_TIMEOUT_MS + 30_000;

declare module 'vitest' {
  export interface ProvidedContext {
    sharedPlatformDir: string;
  }
}

/** The directory the global setup gave this run for the shared platform's lock, state and data. */
export function sharedPlatformRoot(): string {
  return inject('sharedPlatformDir');
}

export async function sharedPlatform(): Promise<SharedPlatform> {
  const root = sharedPlatformRoot();
  const statePath = join(root, 'state.json');
  let owner = false;
  try {
    await mkdir(join(root, 'lock'));
    owner = true;
  } catch {
    // another test file is starting it (or has started it)
  }
  if (owner) {
    try {
      await writeFile(statePath, JSON.stringify(await start(root)));
    } catch (err) {
      await writeFile(join(root, 'failed'), (err as Error).message);
      throw err;
    }
  }
  const state = await waitFor(
    'the shared platform',
    async () => {
      const failed = await readFile(join(root, 'failed'), 'utf8').catch(() => undefined);
      if (failed !== undefined) throw new Error(`the shared platform failed to start: ${failed}`);
      return JSON.parse(await readFile(statePath, 'utf8')) as State;
    },
    { timeoutMs: START_TIMEOUT_MS + 10_000, intervalMs: 200 },
  );
  return view(state);
}

async function start(root: string): Promise<State> {
  const base = await freePortRange(PORT_BLOCK);
  const dataDir = join(root, 'data');
  const log = join(root, 'platform.log');
  const fd = openSync(log, 'a');
  const env: NodeJS.ProcessEnv = {};
  // Embedded parts only: the run's real-service variables are for the tests, not the platform.
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('YSH_')) env[k] = v;
  const vm = hasTool('victoria-metrics') ? await startVictoriaMetricsFor(root) : undefined;
  if (vm) Object.assign(env, { YSH_INFLUX_URL: vm.url, YSH_INFLUX_RAW: 'true' });
  const child = spawn(
    process.execPath,
    [YSH_BIN, 'start', '--port', '0', '--port-base', String(base), '--data-dir', dataDir],
    { cwd: REPO_ROOT, env, detached: true, stdio: ['ignore', fd, fd] },
  );
  closeSync(fd);
  child.unref();
  if (child.pid === undefined) throw new Error('ysh start could not be spawned');
  // Written before it is ready, so the teardown stops it even if it never gets there.
  await writeFile(join(root, 'pid'), String(child.pid));
  let exited: string | undefined;
  child.on('exit', (code, signal) => {
    exited = `exited with ${code ?? signal}`;
  });
  const output = await waitFor(
    '`ysh start` to be ready',
    async () => {
      const text = await readFile(log, 'utf8');
      if (exited) throw new Error(`${exited} before ready:\n${text}`);
      return READY.test(text) ? text : undefined;
    },
    { timeoutMs: START_TIMEOUT_MS, intervalMs: 250 },
  ).catch(async (err: unknown) => {
    await stopPid(child.pid as number);
    throw err;
  });
  return { pid: child.pid, base, dataDir, log, urls: parseStatus(output), vm };
}

/** VictoriaMetrics for the shared platform, detached like it (it outlives the file that started it). */
async function startVictoriaMetricsFor(root: string): Promise<NonNullable<State['vm']>> {
  const scrapeConfig = join(root, 'scrape.yaml');
  await writeFile(scrapeConfig, 'scrape_configs: []\n');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const fd = openSync(join(root, 'victoria-metrics.log'), 'a');
  const child = spawn(
    VICTORIA_METRICS_BIN,
    victoriaMetricsArgs(port, join(root, 'vm'), [
      `-promscrape.config=${scrapeConfig}`,
      '-promscrape.configCheckInterval=2s',
      '-search.latencyOffset=1s',
    ]),
    { detached: true, stdio: ['ignore', fd, fd] },
  );
  closeSync(fd);
  child.unref();
  if (child.pid === undefined) throw new Error('victoria-metrics could not be spawned');
  await writeFile(join(root, 'vm-pid'), String(child.pid));
  await waitFor(
    'victoria-metrics to be healthy',
    async () => (await fetch(`${url}/health`).catch(() => undefined))?.ok === true,
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  return { pid: child.pid, url, scrapeConfig };
}

/** `name   url  url …` lines of `ysh start`'s status table. */
export function parseStatus(output: string): Record<string, string[]> {
  const urls: Record<string, string[]> = {};
  for (const line of output.split('\n')) {
    const m = /^([a-z][\w.() -]*?)\s{2,}(.*)$/.exec(line);
    if (!m?.[1] || !m[2]) continue;
    const found = m[2].match(/[a-z]+:\/\/[^\s)]+|\d+\.\d+\.\d+\.\d+:\d+/g);
    if (found) urls[m[1].trim()] = [...(urls[m[1].trim()] ?? []), ...found];
  }
  return urls;
}

function view(state: State): SharedPlatform {
  const pick = (name: string, pattern: RegExp): string => {
    const url = state.urls[name]?.find((u) => pattern.test(u));
    if (!url) throw new Error(`the shared platform's status has no ${name} URL matching ${pattern}`);
    return url;
  };
  return {
    dataDir: state.dataDir,
    base: state.base,
    databaseUrl: pick('postgres', /^postgres:/),
    kafkaBrokers: [pick('kafka', /^\d/)],
    gatewayUrl: new URL(pick('gateway', /\/health$/)).origin,
    urls: state.urls,
    ...(state.vm ? { victoriaMetrics: { url: state.vm.url, scrapeConfig: state.vm.scrapeConfig } } : {}),
    output: () => readFile(state.log, 'utf8'),
  };
}

/** Global teardown: Ctrl-C the shared platform if a test started it, then remove its files. */
export async function stopSharedPlatform(root: string): Promise<void> {
  const pid = Number(await readFile(join(root, 'pid'), 'utf8').catch(() => ''));
  if (pid > 0) await stopPid(pid);
  const vmPid = Number(await readFile(join(root, 'vm-pid'), 'utf8').catch(() => ''));
  if (vmPid > 0) await stopPid(vmPid);
  await rm(root, { recursive: true, force: true });
}

/** Ctrl-C, up to 15 s to stop cleanly, then SIGKILL to its whole process group. */
async function stopPid(pid: number): Promise<void> {
  const alive = (): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (alive()) process.kill(pid, 'SIGINT');
  for (let i = 0; i < 150 && alive(); i++) await sleep(100);
  if (alive()) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      process.kill(pid, 'SIGKILL');
    }
  }
}
