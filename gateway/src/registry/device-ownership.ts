import type { Pool } from '@ysh/common/db';
import type { DevicePolicy } from '../config.ts';

export interface DeviceOwnershipOptions {
  policy: DevicePolicy;
  cacheMs: number;
  now?: () => number;
}

/**
 * Which site a device belongs to. A site may post only for its own devices:
 * with `auto-register` an unknown device id is registered to the site that
 * first reports it (the site token vouches for the box, and adding an
 * inverter should not need a second provisioning step); with
 * `registered-only` unknown devices are rejected. A device registered to
 * another site is always rejected. Answers are cached briefly per device.
 */
export class DeviceOwnership {
  private readonly cache = new Map<string, { site: string; until: number }>();
  private readonly now: () => number;

  constructor(
    private readonly pool: Pool,
    private readonly options: DeviceOwnershipOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Owner site per device id (undefined: not registered and not auto-registered). */
  async owners(site: string, devices: Iterable<string>): Promise<Map<string, string | undefined>> {
    const out = new Map<string, string | undefined>();
    const missing: string[] = [];
    const t = this.now();
    for (const device of devices) {
      if (out.has(device)) continue;
      const hit = this.cache.get(device);
      if (hit && hit.until > t) out.set(device, hit.site);
      else {
        out.set(device, undefined);
        missing.push(device);
      }
    }
    if (missing.length === 0) return out;
    if (this.options.policy === 'auto-register') {
      await this.pool.query(
        `INSERT INTO devices (site_id, id)
           SELECT $1, unnest($2::text[]) WHERE EXISTS (SELECT 1 FROM sites WHERE id = $1)
           ON CONFLICT (id) DO NOTHING`,
        [site, missing],
      );
    }
    const res = await this.pool.query<{ id: string; site_id: string }>(
      'SELECT id, site_id FROM devices WHERE id = ANY($1::text[])',
      [missing],
    );
    if (this.cache.size > 100_000) this.cache.clear();
    const until = this.now() + this.options.cacheMs;
    for (const row of res.rows) {
      out.set(row.id, row.site_id);
      if (this.options.cacheMs > 0) this.cache.set(row.id, { site: row.site_id, until });
    }
    return out;
  }
}
