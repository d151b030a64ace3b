import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hasTool, tempDir } from '@ysh/test-helpers';
import { describe, expect, it } from 'vitest';
import { installService, uninstallService } from './install-service.ts';
import { DEFAULT_UNIT, memoryMaxMb, serviceUnit, type UnitOptions } from './systemd-unit.ts';

const run = promisify(execFile);

/** Every `Key=value` of a unit's [section], repeated keys in order. */
function section(unit: string, name: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let inside = false;
  for (const raw of unit.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) inside = line === `[${name}]`;
    else if (inside && line && !line.startsWith('#')) {
      const i = line.indexOf('=');
      const k = line.slice(0, i);
      out.set(k, [...(out.get(k) ?? []), line.slice(i + 1)]);
    }
  }
  return out;
}

const OPTS: UnitOptions = {
  ...DEFAULT_UNIT,
  node: process.execPath,
  entry: '/usr/local/lib/node_modules/@ysh/edge/ysh-edge.mjs',
};

describe('the systemd unit of ysh-edge install-service', () => {
  const svc = section(serviceUnit(OPTS), 'Service');
  const one = (k: string) => svc.get(k)?.join(' ');

  it('runs as its own user with only the data directory writable', () => {
    expect(one('User')).toBe('ysh-edge');
    expect(one('Group')).toBe('ysh-edge');
    expect(one('ProtectSystem')).toBe('strict');
    expect(one('ReadWritePaths')).toBe('/var/lib/ysh-edge');
    expect(one('Environment')).toContain('YSH_DATA_DIR=/var/lib/ysh-edge');
    expect(one('ProtectHome')).toBe('yes');
    expect(one('PrivateTmp')).toBe('yes');
    expect(one('UMask')).toBe('0077');
  });

  it('drops every privilege and kernel-facing ability it does not need', () => {
    for (const k of [
      'NoNewPrivileges',
      'ProtectKernelTunables',
      'ProtectKernelModules',
      'ProtectKernelLogs',
      'ProtectControlGroups',
      'ProtectClock',
      'RestrictNamespaces',
      'RestrictSUIDSGID',
      'LockPersonality',
    ])
      expect(one(k), k).toBe('yes');
    expect(svc.get('CapabilityBoundingSet')).toEqual(['']);
    expect(one('SystemCallFilter')).toContain('@system-service');
    expect(one('DevicePolicy')).toBe('closed');
    expect(svc.get('DeviceAllow')).toContain('char-ttyUSB rw');
  });

  it('restarts on failure, has a memory ceiling from the heap setting, and logs to journald', () => {
    expect(one('Restart')).toBe('always');
    expect(one('RestartSec')).toBe('5');
    expect(one('Environment')).toContain('--max-old-space-size=80');
    expect(one('MemoryMax')).toBe(`${memoryMaxMb(80)}M`);
    expect(section(serviceUnit({ ...OPTS, heapMb: 200 }), 'Service').get('MemoryMax')).toEqual([
      `${memoryMaxMb(200)}M`,
    ]);
    expect(one('StandardOutput')).toBe('journal');
    expect(one('SyslogIdentifier')).toBe('ysh-edge');
    expect(one('ExecStart')).toBe(`${process.execPath} ${OPTS.entry} run`);
    expect(section(serviceUnit({ ...OPTS, configPath: '/etc/ysh/site.yaml' }), 'Service').get('ExecStart')).toEqual([
      `${process.execPath} ${OPTS.entry} run --config /etc/ysh/site.yaml`,
    ]);
  });

  it('writes the service, the health check and its timer, and removes them again', async () => {
    const dir = await tempDir();
    try {
      const unitDir = join(dir.path, 'units');
      const entry = new URL('../../bin/ysh-edge.mjs', import.meta.url).pathname;
      const files = await installService({ ...OPTS, entry, unitDir, unitsOnly: true, start: false });
      const watchdog = await readFile(files.watchdog, 'utf8');
      expect(watchdog).toContain(`${entry} health --port 7070 || /bin/systemctl restart ysh-edge.service`);
      expect(section(await readFile(files.timer, 'utf8'), 'Timer').get('OnUnitActiveSec')).toEqual(['1min']);
      expect((await stat(files.service)).mode & 0o777).toBe(0o644);
      await uninstallService({ name: 'ysh-edge', unitDir, unitsOnly: true });
      await expect(stat(files.service)).rejects.toThrow();
      await expect(uninstallService({ name: 'ysh-edge', unitDir, unitsOnly: true })).rejects.toMatchObject({
        code: 'EDGE_SERVICE',
      });
    } finally {
      await dir.remove();
    }
  });

  // systemd-analyze (Debian's systemd package) checks the units the way systemd would load them.
  it.skipIf(!hasTool('systemd-analyze'))('systemd-analyze verify accepts the written units', async () => {
    const dir = await tempDir();
    try {
      // The checkout's entry, so systemd-analyze finds the ExecStart script.
      const entry = new URL('../../bin/ysh-edge.mjs', import.meta.url).pathname;
      const files = await installService({
        ...OPTS,
        entry,
        unitDir: join(dir.path, 'units'),
        unitsOnly: true,
        start: false,
      });
      const { stderr } = await run('systemd-analyze', [
        'verify',
        '--man=no',
        files.service,
        files.watchdog,
        files.timer,
      ]);
      expect(stderr.trim()).toBe('');
    } finally {
      await dir.remove();
    }
  });
});
