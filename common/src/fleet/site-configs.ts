import type { Queryable } from '../db/queryable.ts';
import { FleetError } from './errors.ts';
import { validateRemoteSiteConfig } from './site-config.ts';

export interface SiteConfigVersion {
  site: string;
  version: number;
  /** The YAML document as submitted. */
  body: string;
  createdBy: string;
  createdAt: Date;
  comment: string;
}

interface Row {
  site_id: string;
  version: number;
  body: string;
  created_by: string;
  created_at: Date;
  comment: string;
}

const toVersion = (r: Row): SiteConfigVersion => ({
  site: r.site_id,
  version: r.version,
  body: r.body,
  createdBy: r.created_by,
  createdAt: r.created_at,
  comment: r.comment,
});

/**
 * Site configurations kept in the platform (migration 0410): every change is a new version with
 * who made it; nothing is overwritten. A document is validated with the agent's own parser before
 * it is stored, so an invalid one never reaches a box through the platform.
 */
export class SiteConfigs {
  constructor(private readonly db: Queryable) {}

  async put(site: string, body: string, who: { createdBy: string; comment?: string }): Promise<SiteConfigVersion> {
    const exists = await this.db.query('SELECT 1 FROM sites WHERE id = $1', [site]);
    if ((exists.rowCount ?? 0) === 0)
      throw new FleetError('FLEET_SITE_UNKNOWN', `site: ${JSON.stringify(site)} does not exist`);
    validateRemoteSiteConfig(body, site);
    // Two writers racing for the same version number: the loser takes the next one.
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.db.query<Row>(
          `INSERT INTO site_configs (site_id, version, body, created_by, comment)
           SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4 FROM site_configs WHERE site_id = $1
           RETURNING *`,
          [site, body, who.createdBy, who.comment ?? ''],
        );
        return toVersion(res.rows[0] as Row);
      } catch (err) {
        if ((err as { code?: string }).code !== '23505' || attempt >= 5) throw err;
      }
    }
  }

  /** The latest version (or the one asked for); undefined when the site has none. */
  async get(site: string, version?: number): Promise<SiteConfigVersion | undefined> {
    const res =
      version === undefined
        ? await this.db.query<Row>('SELECT * FROM site_configs WHERE site_id = $1 ORDER BY version DESC LIMIT 1', [
            site,
          ])
        : await this.db.query<Row>('SELECT * FROM site_configs WHERE site_id = $1 AND version = $2', [site, version]);
    const row = res.rows[0];
    return row ? toVersion(row) : undefined;
  }

  async latestVersion(site: string): Promise<number | undefined> {
    const res = await this.db.query<{ v: number | null }>(
      'SELECT max(version) AS v FROM site_configs WHERE site_id = $1',
      [site],
    );
    return res.rows[0]?.v ?? undefined;
  }

  /** Every version of a site, newest first (who changed what, and when). */
  async history(site: string, limit = 50): Promise<SiteConfigVersion[]> {
    const res = await this.db.query<Row>(
      'SELECT * FROM site_configs WHERE site_id = $1 ORDER BY version DESC LIMIT $2',
      [site, limit],
    );
    return res.rows.map(toVersion);
  }
}
