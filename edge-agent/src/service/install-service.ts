import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EdgeError } from '../errors.ts';
import { serviceUnit, watchdogTimer, watchdogUnit, type UnitOptions } from './systemd-unit.ts';

const run = promisify(execFile);

export interface InstallOptions extends UnitOptions {
  /** Where unit files go (default /etc/systemd/system). */
  unitDir: string;
  /** Only write the unit files: no user, no data directory, no systemctl (packaging, tests). */
  unitsOnly: boolean;
  /** Start the service now (default true). */
  start: boolean;
}

export interface InstalledFiles {
  service: string;
  watchdog: string;
  timer: string;
}

export function unitFiles(o: Pick<UnitOptions, 'name'>, unitDir: string): InstalledFiles {
  return {
    service: join(unitDir, `${o.name}.service`),
    watchdog: join(unitDir, `${o.name}-watchdog.service`),
    timer: join(unitDir, `${o.name}-watchdog.timer`),
  };
}

async function sh(cmd: string, args: string[]): Promise<string> {
  try {
    return (await run(cmd, args)).stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new EdgeError('EDGE_SERVICE', `${cmd} ${args.join(' ')}: ${(e.stderr || e.message).trim()}`);
  }
}

async function ensureUser(user: string, dataDir: string): Promise<void> {
  const exists = await run('id', ['-u', user]).then(
    () => true,
    () => false,
  );
  if (!exists)
    await sh('useradd', [
      '--system',
      '--user-group',
      '--home-dir',
      dataDir,
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      user,
    ]);
  // RS-485 adapters belong to dialout on Debian; the unit also lists it as a supplementary group.
  await run('usermod', ['--append', '--groups', 'dialout', user]).catch(() => undefined);
}

/** Writes the units (and, unless unitsOnly, creates the user and data directory and starts the service). */
export async function installService(o: InstallOptions): Promise<InstalledFiles> {
  if (!o.unitsOnly && process.getuid?.() !== 0)
    throw new EdgeError('EDGE_SERVICE', 'install-service needs root (sudo ysh-edge install-service)');
  const files = unitFiles(o, o.unitDir);
  if (!o.unitsOnly) {
    await ensureUser(o.user, o.dataDir);
    await mkdir(o.dataDir, { recursive: true, mode: 0o700 });
    const { stdout } = await run('id', ['-u', o.user]);
    const { stdout: gid } = await run('id', ['-g', o.user]);
    await chown(o.dataDir, Number(stdout.trim()), Number(gid.trim()));
    await chmod(o.dataDir, 0o700);
  }
  await mkdir(o.unitDir, { recursive: true });
  await writeFile(files.service, serviceUnit(o), { mode: 0o644 });
  await writeFile(files.watchdog, watchdogUnit(o), { mode: 0o644 });
  await writeFile(files.timer, watchdogTimer(o), { mode: 0o644 });
  if (!o.unitsOnly) {
    await sh('systemctl', ['daemon-reload']);
    const units = [`${o.name}.service`, `${o.name}-watchdog.timer`];
    await sh('systemctl', o.start ? ['enable', '--now', ...units] : ['enable', ...units]);
  }
  return files;
}

/** Stops and removes the units; the data directory (buffer, enrollment) and the user stay unless purge. */
export async function uninstallService(o: {
  name: string;
  unitDir: string;
  unitsOnly: boolean;
  purge?: { dataDir: string; user: string };
}): Promise<InstalledFiles> {
  if (!o.unitsOnly && process.getuid?.() !== 0)
    throw new EdgeError('EDGE_SERVICE', 'uninstall-service needs root (sudo ysh-edge uninstall-service)');
  const files = unitFiles(o, o.unitDir);
  const ours = await readFile(files.service, 'utf8').then(
    (t) => t.includes('ysh-edge install-service'),
    () => false,
  );
  if (!ours) throw new EdgeError('EDGE_SERVICE', `${files.service}: no unit written by ysh-edge install-service`);
  if (!o.unitsOnly)
    await run('systemctl', ['disable', '--now', `${o.name}-watchdog.timer`, `${o.name}.service`]).catch(
      () => undefined,
    );
  for (const f of Object.values(files)) await rm(f, { force: true });
  if (!o.unitsOnly) {
    await sh('systemctl', ['daemon-reload']);
    if (o.purge) {
      await rm(o.purge.dataDir, { recursive: true, force: true });
      await run('userdel', [o.purge.user]).catch(() => undefined);
    }
  }
  return files;
}
