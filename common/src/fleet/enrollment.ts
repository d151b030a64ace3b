import { createHash, randomInt } from 'node:crypto';
import type { Queryable } from '../db/queryable.ts';
import { FleetError } from './errors.ts';

/** Crockford base32 without I, L, O, U: nothing an installer can misread on a phone screen. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const GROUPS = 3;
const GROUP_LEN = 4;

/** 12 symbols of 32 = 60 bits, shown as XXXX-XXXX-XXXX. */
export function newEnrollCode(): string {
  const groups: string[] = [];
  for (let g = 0; g < GROUPS; g++) {
    let s = '';
    for (let i = 0; i < GROUP_LEN; i++) s += ALPHABET[randomInt(ALPHABET.length)];
    groups.push(s);
  }
  return groups.join('-');
}

/** Case, spaces and dashes do not matter; O/I/L typed for 0/1/1 are read as meant. */
export function normalizeEnrollCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
}

function hashCode(code: string): Buffer {
  return createHash('sha256')
    .update(`ysh-enroll:${normalizeEnrollCode(code)}`, 'utf8')
    .digest();
}

export type EnrollOutcome = 'enrolled' | 'unknown' | 'used' | 'expired' | 'rate_limited';

export interface IssuedEnrollCode {
  code: string;
  site: string;
  expiresAt: Date;
}

export interface EnrollAttempt {
  site?: string | undefined;
  remote?: string | undefined;
  agentId?: string | undefined;
  outcome: EnrollOutcome;
}

/**
 * One-time enrollment codes (migration 0410): an operator creates one for a site; an agent
 * exchanges it once, before it expires, for a fresh site token. Every attempt is recorded.
 */
export class EnrollmentCodes {
  constructor(private readonly db: Queryable) {}

  async create(site: string, opts: { ttlMs: number; createdBy: string }): Promise<IssuedEnrollCode> {
    const exists = await this.db.query('SELECT 1 FROM sites WHERE id = $1', [site]);
    if ((exists.rowCount ?? 0) === 0)
      throw new FleetError('FLEET_SITE_UNKNOWN', `site: ${JSON.stringify(site)} does not exist`);
    const code = newEnrollCode();
    const res = await this.db.query<{ expires_at: Date }>(
      `INSERT INTO site_enroll_codes (site_id, code_hash, created_by, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4::double precision / 1000)) RETURNING expires_at`,
      [site, hashCode(code), opts.createdBy, opts.ttlMs],
    );
    return { code, site, expiresAt: new Date(res.rows[0]?.expires_at as Date) };
  }

  /**
   * Marks the code used (exactly one caller wins) and returns its site; `issueToken` then makes the
   * site token. A failure to issue the token gives the code back so the installer can try again.
   */
  async redeem(
    code: string,
    who: { remote?: string; agentId?: string },
    issueToken: (site: string) => Promise<string>,
  ): Promise<{ site: string; token: string }> {
    const hash = hashCode(code);
    const res = await this.db.query<{ site_id: string }>(
      `UPDATE site_enroll_codes SET used_at = now(), used_by = $2
        WHERE code_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING site_id`,
      [hash, who.agentId ?? ''],
    );
    const site = res.rows[0]?.site_id;
    if (site === undefined) {
      const why = await this.db.query<{ site_id: string; used: boolean }>(
        'SELECT site_id, used_at IS NOT NULL AS used FROM site_enroll_codes WHERE code_hash = $1',
        [hash],
      );
      const row = why.rows[0];
      const outcome: EnrollOutcome = !row ? 'unknown' : row.used ? 'used' : 'expired';
      await this.record({ ...who, site: row?.site_id, outcome });
      if (outcome === 'unknown')
        throw new FleetError('FLEET_ENROLL_CODE_UNKNOWN', 'enrollment code: not recognised (check it was typed right)');
      if (outcome === 'used')
        throw new FleetError('FLEET_ENROLL_CODE_USED', 'enrollment code: already used; create a new one for this box');
      throw new FleetError('FLEET_ENROLL_CODE_EXPIRED', 'enrollment code: expired; create a new one');
    }
    let token: string;
    try {
      token = await issueToken(site);
    } catch (err) {
      await this.db.query('UPDATE site_enroll_codes SET used_at = NULL, used_by = NULL WHERE code_hash = $1', [hash]);
      throw err;
    }
    await this.record({ ...who, site, outcome: 'enrolled' });
    return { site, token };
  }

  async record(a: EnrollAttempt): Promise<void> {
    await this.db.query('INSERT INTO enroll_attempts (site_id, remote, agent_id, outcome) VALUES ($1, $2, $3, $4)', [
      a.site ?? null,
      a.remote ?? '',
      a.agentId ?? '',
      a.outcome,
    ]);
  }

  async attempts(limit = 100): Promise<Array<Required<EnrollAttempt> & { at: Date }>> {
    const res = await this.db.query<{
      at: Date;
      site_id: string | null;
      remote: string;
      agent_id: string;
      outcome: EnrollOutcome;
    }>('SELECT at, site_id, remote, agent_id, outcome FROM enroll_attempts ORDER BY id DESC LIMIT $1', [limit]);
    return res.rows.map((r) => ({
      at: r.at,
      site: r.site_id ?? '',
      remote: r.remote,
      agentId: r.agent_id,
      outcome: r.outcome,
    }));
  }
}
