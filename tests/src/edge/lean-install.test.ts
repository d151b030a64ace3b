import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS } from '@ysh/common';
import { AgentHeartbeats, EnrollmentCodes, SiteConfigs } from '@ysh/common/fleet';
import { CLOUD_PACKAGES } from '@ysh/edge-agent/cloud-packages';
import { startSimulator, type Simulator } from '@ysh/firmware-sim';
import { stringify } from 'yaml';
import {
  NOON,
  NPM_REGISTRY_GROUP,
  npmRegistryUnreachable,
  REPO_ROOT,
  tempDir,
  type TempDir,
  waitFor,
} from '@ysh/test-helpers';
import { type Harness, readTopic, startHarness } from '../gateway/harness.ts';

const run = promisify(execFile);
const SITE = 'site-lean-01';
/** The cloud side's packages (the list the bundle itself refuses) and the dev toolchain: none may be on a site gateway. */
const CLOUD = [...CLOUD_PACKAGES, 'tsx', 'typescript'];

function names(tree: { dependencies?: Record<string, unknown> }, out = new Set<string>()): Set<string> {
  for (const [name, sub] of Object.entries(tree.dependencies ?? {})) {
    if ((sub as { version?: string }).version === undefined) continue; // an optional dependency left out
    out.add(name);
    names(sub as { dependencies?: Record<string, unknown> }, out);
  }
  return out;
}

// Only an unreachable registry skips (announced with the run's other SKIP lines); any other install failure fails.
const noRegistry = npmRegistryUnreachable();
if (noRegistry) process.stderr.write(`SKIP ${NPM_REGISTRY_GROUP}: ${noRegistry}\n`);

/**
 * The edge package as a site gateway gets it: bundled, packed, installed with npm into an empty
 * directory (optional serialport left out), then enrolled and run from there as its own process
 * against the simulator and the real gateway; killed with -9 it shows as not reporting, restarted it returns.
 */
describe.skipIf(noRegistry !== undefined)('lean edge install in a fresh directory', () => {
  let work: TempDir;
  let installDir = '';
  let h: Harness;
  let sim: Simulator;
  let agent: ChildProcess | undefined;
  let output = '';

  beforeAll(async () => {
    work = await tempDir();
    const pkg = join(work.path, 'pkg');
    await run(process.execPath, [join(REPO_ROOT, 'edge-agent', 'scripts', 'bundle.mjs'), pkg]);
    const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', work.path], { cwd: pkg });
    installDir = join(work.path, 'site-box');
    await run('mkdir', ['-p', installDir]);
    await writeFile(join(installDir, 'package.json'), '{ "private": true }\n');
    await run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--omit=optional', join(work.path, stdout.trim())],
      { cwd: installDir, timeout: 180_000 },
    );
    h = await startHarness({});
    await h.gateway.registry.addSite(SITE);
    sim = await startSimulator({ devices: 2, port: 0, seed: 11, speed: 60, start: NOON });
  }, 300_000);

  afterAll(async () => {
    agent?.kill('SIGKILL');
    await sim?.close();
    await h?.close();
    await work?.remove();
  });

  it('installs only the edge package: no cloud-side package in the dependency tree', async () => {
    const { stdout } = await run('npm', ['ls', '--all', '--json'], { cwd: installDir });
    const all = names(JSON.parse(stdout) as { dependencies?: Record<string, unknown> });
    expect(all.has('@ysh/edge')).toBe(true);
    expect([...all].filter((n) => CLOUD.includes(n) || (n.startsWith('@ysh/') && n !== '@ysh/edge'))).toEqual([]);
    const { stdout: du } = await run('du', ['-sk', join(installDir, 'node_modules')]);
    const kib = Number(du.split('\t')[0]);
    console.log(`lean edge install: node_modules ${kib} KiB, packages: ${[...all].sort().join(', ')}`);
    expect(kib).toBeGreaterThan(100);
    const { stdout: version } = await run(join(installDir, 'node_modules', '.bin', 'ysh-edge'), ['version']);
    expect(version.trim()).toBe('ysh-edge/0.1.0');
  });

  it('enrolls, runs on the platform configuration, and reports; kill -9 shows as not reporting, a restart returns', async () => {
    const bin = join(installDir, 'node_modules', '.bin', 'ysh-edge');
    const dataDir = join(installDir, 'data');
    const { code } = await new EnrollmentCodes(h.db.pool).create(SITE, { ttlMs: 600_000, createdBy: 'test' });
    const enrolled = await run(bin, [
      'enroll',
      '--gateway',
      h.gateway.url,
      '--code',
      code,
      '--data-dir',
      dataDir,
      '--agent-id',
      'pi-01',
    ]);
    expect(enrolled.stdout).toContain(`enrolled: site ${SITE} as agent pi-01`);
    const token = (await readFile(join(dataDir, 'edge', 'site-token'), 'utf8')).trim();
    expect(`${enrolled.stdout}${enrolled.stderr}`).not.toContain(token);
    const refused = await run(bin, [
      'enroll',
      '--gateway',
      h.gateway.url,
      '--code',
      code,
      '--data-dir',
      join(installDir, 'other'),
    ]).catch((err: { code: number; stderr: string }) => err);
    expect(refused).toMatchObject({ code: 1 });
    expect((refused as { stderr: string }).stderr.trim()).toMatch(/^ysh-edge: enrollment code: already used[^\n]*$/);

    await new SiteConfigs(h.db.pool).put(
      SITE,
      stringify({
        defaults: { interval: '200ms', timeout: '500ms' },
        devices: sim.devices.map((d) => ({
          id: d.id,
          transport: 'tcp',
          host: '127.0.0.1',
          port: d.port,
          unitId: d.unitId,
        })),
      }),
      { createdBy: 'test' },
    );
    const start = () => {
      const child = spawn(bin, ['run', '--data-dir', dataDir, '--port', '0'], {
        cwd: installDir,
        env: { PATH: process.env.PATH, YSH_EDGE_HEARTBEAT: '300ms', YSH_LOG_LEVEL: 'debug' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout?.on('data', (d: Buffer) => {
        output += d.toString();
      });
      child.stderr?.on('data', (d: Buffer) => {
        output += d.toString();
      });
      return child;
    };
    const fleet = () => new AgentHeartbeats(h.db.pool).list({ notReportingAfterMs: 2_000, sites: [SITE] });
    agent = start();
    await waitFor(
      'the agent reports version 1 with both devices online',
      async () => {
        const a = (await fleet())[0];
        return a?.configVersion === 1 && Object.values(a.devices).filter((s) => s === 'online').length === 2;
      },
      60_000,
    );
    await waitFor(
      'its readings in Kafka',
      async () => (await readTopic(h.broker.brokers, TOPICS.telemetry)).some((m) => m.value.includes(SITE)),
      30_000,
    );
    const before = (await fleet())[0];
    expect(before).toMatchObject({ agentId: 'pi-01', version: 'ysh-edge/0.1.0', flags: [] });

    agent.kill('SIGKILL');
    await waitFor(
      'not reporting after kill -9',
      async () => (await fleet())[0]?.flags.includes('not_reporting') === true,
      15_000,
    );
    agent = start();
    await waitFor(
      'reporting again after the restart',
      async () => {
        const a = (await fleet())[0];
        return a !== undefined && a.flags.length === 0 && a.uptimeS < (before?.uptimeS ?? 0) + 5;
      },
      60_000,
    );
    expect(output).toContain('enrolled agent started');
    expect(output).not.toContain(token);
    agent.kill('SIGTERM');
  });
});
