import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { ConfigError, parseDuration } from '@ysh/common';
import type { Pool } from '@ysh/common/db';
import { EnrollmentCodes, SiteConfigs } from '@ysh/common/fleet';

const MAX_TTL_MS = 7 * 86_400_000;

function operator(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

/** `ysh sites enroll-code SITE` and `ysh sites config SITE [--file F]`. */
export async function runFleetAction(
  action: 'enroll-code' | 'config',
  site: string,
  flags: { ttl?: string | undefined; file?: string | undefined; comment?: string | undefined },
  pool: Pool,
  out: (line: string) => void,
): Promise<void> {
  if (action === 'enroll-code') {
    const ttlMs = flags.ttl === undefined ? 3_600_000 : parseDuration(flags.ttl);
    if (ttlMs === undefined || ttlMs < 60_000 || ttlMs > MAX_TTL_MS)
      throw new ConfigError('--ttl', `expected a duration between 1m and 7d, got ${JSON.stringify(flags.ttl)}`);
    const issued = await new EnrollmentCodes(pool).create(site, { ttlMs, createdBy: operator() });
    out(`enrollment code for site ${site} (single use, expires ${issued.expiresAt.toISOString()}): ${issued.code}`);
    return;
  }
  const configs = new SiteConfigs(pool);
  if (flags.file === undefined) {
    const current = await configs.get(site);
    if (!current) out(`# site ${site} has no remote configuration yet`);
    else {
      out(`# site ${site} version ${current.version} by ${current.createdBy} at ${current.createdAt.toISOString()}`);
      out(current.body.trimEnd());
    }
    return;
  }
  const body = await readFile(flags.file, 'utf8');
  const stored = await configs.put(site, body, { createdBy: operator(), comment: flags.comment });
  out(`site ${site}: configuration version ${stored.version} stored; agents apply it within a heartbeat`);
}
