import { createHash, randomBytes } from 'node:crypto';
import { ID_PATTERN } from '../contract/schemas.ts';
import type { Pool } from '../db/index.ts';
import { RegistryError } from './registry-error.ts';

const ID = new RegExp(ID_PATTERN);
/** Tokens carry a recognisable prefix so a leaked one is easy to grep for. */
export const TOKEN_PREFIX = 'ysh_st_';

/** SHA-256 of the token text: what site_tokens.token_hash stores. */
export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export function newToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export interface IssuedToken {
  token: string;
  id: string;
}

function checkSiteId(site: string): void {
  if (!ID.test(site))
    throw new RegistryError(
      'REG_SITE_ID_INVALID',
      `site: ${JSON.stringify(site)} is not a valid site id (lower-case letters, digits, '.', '-', '_'; 1-64 chars)`,
    );
}

/** Sites and their tokens in the registry tables (migration 0001). */
export class SiteRegistry {
  constructor(private readonly pool: Pool) {}

  /** Creates the site; false when it already existed. */
  async addSite(site: string, name = ''): Promise<boolean> {
    checkSiteId(site);
    const res = await this.pool.query('INSERT INTO sites (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [
      site,
      name,
    ]);
    return res.rowCount === 1;
  }

  async siteExists(site: string): Promise<boolean> {
    const res = await this.pool.query('SELECT 1 FROM sites WHERE id = $1', [site]);
    return (res.rowCount ?? 0) > 0;
  }

  /** Issues a new token for an existing site; only its hash is stored, the token is returned once. */
  async issueToken(site: string): Promise<string> {
    return (await this.issueTokenWithId(site)).token;
  }

  /** Like issueToken, with the row id by which the token can later be rotated or revoked. */
  async issueTokenWithId(site: string): Promise<IssuedToken> {
    checkSiteId(site);
    if (!(await this.siteExists(site)))
      throw new RegistryError(
        'REG_SITE_UNKNOWN',
        `site: ${JSON.stringify(site)} does not exist (ysh sites add ${site})`,
      );
    const token = newToken();
    const res = await this.pool.query<{ id: string }>(
      'INSERT INTO site_tokens (site_id, token_hash) VALUES ($1, $2) RETURNING id',
      [site, hashToken(token)],
    );
    return { token, id: String(res.rows[0]?.id) };
  }

  /**
   * Revokes one token of the site at `at` (default now; a future time leaves an overlap
   * window in which the old and the new token both work). False when no such live token.
   */
  async revokeToken(site: string, tokenId: string, at: Date | null = null): Promise<boolean> {
    if (!/^[0-9]{1,18}$/.test(tokenId)) return false;
    const res = await this.pool.query(
      `UPDATE site_tokens SET revoked_at = coalesce($3::timestamptz, now())
        WHERE site_id = $1 AND id = $2::bigint AND (revoked_at IS NULL OR revoked_at > now())`,
      [site, tokenId, at],
    );
    return (res.rowCount ?? 0) > 0;
  }

  /** Issues a new token and lets the old one live for `overlapMs` more (0: revoked at once). */
  async rotateToken(site: string, tokenId: string, overlapMs: number): Promise<IssuedToken & { oldRevokedAt: Date }> {
    const until = new Date(Date.now() + Math.max(0, overlapMs));
    const live = await this.pool.query(
      'SELECT 1 FROM site_tokens WHERE site_id = $1 AND id = $2::bigint AND (revoked_at IS NULL OR revoked_at > now())',
      [site, /^[0-9]{1,18}$/.test(tokenId) ? tokenId : '0'],
    );
    if ((live.rowCount ?? 0) === 0)
      throw new RegistryError('REG_TOKEN_UNKNOWN', `token ${tokenId} of site ${site} does not exist or is revoked`);
    const issued = await this.issueTokenWithId(site);
    await this.revokeToken(site, tokenId, until);
    return { ...issued, oldRevokedAt: until };
  }

  /** Revokes every live token of the site; returns how many. */
  async revokeTokens(site: string): Promise<number> {
    checkSiteId(site);
    if (!(await this.siteExists(site)))
      throw new RegistryError('REG_SITE_UNKNOWN', `site: ${JSON.stringify(site)} does not exist`);
    const res = await this.pool.query(
      'UPDATE site_tokens SET revoked_at = now() WHERE site_id = $1 AND (revoked_at IS NULL OR revoked_at > now())',
      [site],
    );
    return res.rowCount ?? 0;
  }

  /** The site of a live token, or null. One indexed lookup (token_hash is UNIQUE). */
  async siteOfToken(token: string): Promise<string | null> {
    const res = await this.pool.query<{ site_id: string }>(
      'SELECT site_id FROM site_tokens WHERE token_hash = $1 AND (revoked_at IS NULL OR revoked_at > now())',
      [hashToken(token)],
    );
    return res.rows[0]?.site_id ?? null;
  }

  async listSites(): Promise<Array<{ id: string; liveTokens: number; devices: number }>> {
    const res = await this.pool.query<{ id: string; live: string; devices: string }>(
      `SELECT s.id,
              (SELECT count(*) FROM site_tokens t WHERE t.site_id = s.id AND (t.revoked_at IS NULL OR t.revoked_at > now())) AS live,
              (SELECT count(*) FROM devices d WHERE d.site_id = s.id) AS devices
         FROM sites s ORDER BY s.id`,
    );
    return res.rows.map((r) => ({ id: r.id, liveTokens: Number(r.live), devices: Number(r.devices) }));
  }
}
