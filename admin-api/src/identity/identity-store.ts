import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from '@ysh/common/db';
import { ApiError } from '../errors.ts';
import { DUMMY_HASH, hashPassword, verifyPassword } from './passwords.ts';
import type { Principal, Role } from './principal.ts';

export const API_KEY_PREFIX = 'ysh_k_';
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export interface User {
  id: string;
  email: string;
  role: Role;
  sites: string[] | null;
  disabled: boolean;
  createdAt: string;
}

export interface ApiKeyInfo {
  id: string;
  userId: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

interface UserRow {
  id: string;
  email: string;
  role: Role;
  sites: string[] | null;
  disabled_at: Date | null;
  created_at: Date;
  password_hash?: string;
}

const toUser = (r: UserRow): User => ({
  id: String(r.id),
  email: r.email,
  role: r.role,
  sites: r.sites,
  disabled: r.disabled_at !== null,
  createdAt: r.created_at.toISOString(),
});

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

/** Users, sessions and API keys (migration 0400). Secrets are stored only as SHA-256 or scrypt hashes. */
export class IdentityStore {
  constructor(
    private readonly pool: Pool,
    private readonly options: { sessionTtlMs: number },
  ) {}

  async addUser(input: { email: string; password: string; role: Role; sites?: string[] | null }): Promise<User> {
    const email = input.email.trim().toLowerCase();
    const hash = await hashPassword(input.password);
    const res = await this.pool.query<UserRow>(
      `INSERT INTO api_users (email, password_hash, role, sites) VALUES ($1, $2, $3, $4)
       ON CONFLICT (email) DO NOTHING RETURNING id, email, role, sites, disabled_at, created_at`,
      [email, hash, input.role, input.sites ?? null],
    );
    const row = res.rows[0];
    if (!row) throw new ApiError('API_CONFLICT', `a user with email ${email} already exists`);
    return toUser(row);
  }

  async getUser(id: string): Promise<User | undefined> {
    if (!/^[0-9]{1,18}$/.test(id)) return undefined;
    const res = await this.pool.query<UserRow>(
      'SELECT id, email, role, sites, disabled_at, created_at FROM api_users WHERE id = $1::bigint',
      [id],
    );
    return res.rows[0] ? toUser(res.rows[0]) : undefined;
  }

  async findUserByEmail(email: string): Promise<User | undefined> {
    const res = await this.pool.query<UserRow>(
      'SELECT id, email, role, sites, disabled_at, created_at FROM api_users WHERE email = $1',
      [email.trim().toLowerCase()],
    );
    return res.rows[0] ? toUser(res.rows[0]) : undefined;
  }

  async listUsers(page: { after: string | null; limit: number }): Promise<User[]> {
    const res = await this.pool.query<UserRow>(
      `SELECT id, email, role, sites, disabled_at, created_at FROM api_users
        WHERE ($1::bigint IS NULL OR id > $1::bigint) ORDER BY id LIMIT $2`,
      [page.after, page.limit],
    );
    return res.rows.map(toUser);
  }

  async updateUser(
    id: string,
    patch: { role?: Role; sites?: string[] | null; disabled?: boolean; password?: string },
  ): Promise<User | undefined> {
    const hash = patch.password === undefined ? null : await hashPassword(patch.password);
    const res = await this.pool.query<UserRow>(
      `UPDATE api_users SET
         role = coalesce($2, role),
         sites = CASE WHEN $3::boolean THEN $4::text[] ELSE sites END,
         disabled_at = CASE WHEN $5::boolean IS NULL THEN disabled_at WHEN $5 THEN coalesce(disabled_at, now()) ELSE NULL END,
         password_hash = coalesce($6, password_hash)
       WHERE id = $1::bigint RETURNING id, email, role, sites, disabled_at, created_at`,
      [id, patch.role ?? null, patch.sites !== undefined, patch.sites ?? null, patch.disabled ?? null, hash],
    );
    if (patch.disabled === true) await this.pool.query('DELETE FROM api_sessions WHERE user_id = $1::bigint', [id]);
    return res.rows[0] ? toUser(res.rows[0]) : undefined;
  }

  /** Checks the password (constant work whether the user exists or not); the user or undefined. */
  async checkLogin(email: string, password: string): Promise<User | undefined> {
    const res = await this.pool.query<UserRow>(
      'SELECT id, email, role, sites, disabled_at, created_at, password_hash FROM api_users WHERE email = $1',
      [email.trim().toLowerCase()],
    );
    const row = res.rows[0];
    const ok = await verifyPassword(password, row?.password_hash ?? (await DUMMY_HASH));
    if (!row || !ok || row.disabled_at !== null) return undefined;
    return toUser(row);
  }

  /** A new session: the cookie value (returned once) and its CSRF token. */
  async createSession(userId: string): Promise<{ session: string; csrf: string; expiresAt: Date }> {
    const session = randomBytes(32).toString('base64url');
    const csrf = randomBytes(24).toString('base64url');
    const expiresAt = new Date(Date.now() + this.options.sessionTtlMs);
    await this.pool.query(
      'INSERT INTO api_sessions (id_hash, user_id, csrf, expires_at) VALUES ($1, $2::bigint, $3, $4)',
      [sha256(session), userId, csrf, expiresAt],
    );
    return { session, csrf, expiresAt };
  }

  async endSession(session: string): Promise<void> {
    await this.pool.query('DELETE FROM api_sessions WHERE id_hash = $1', [sha256(session)]);
  }

  async principalOfSession(session: string): Promise<Principal | undefined> {
    if (session.length > 200) return undefined;
    const res = await this.pool.query<UserRow & { csrf: string }>(
      `SELECT u.id, u.email, u.role, u.sites, u.disabled_at, u.created_at, s.csrf
         FROM api_sessions s JOIN api_users u ON u.id = s.user_id
        WHERE s.id_hash = $1 AND s.expires_at > now() AND u.disabled_at IS NULL`,
      [sha256(session)],
    );
    const r = res.rows[0];
    return r && { userId: String(r.id), email: r.email, role: r.role, sites: r.sites, via: 'session', csrf: r.csrf };
  }

  /** Creates a key for the user; the key text is returned once. */
  async createApiKey(userId: string, name: string): Promise<{ key: string; info: ApiKeyInfo }> {
    const prefix = randomBytes(4).toString('hex');
    const key = `${API_KEY_PREFIX}${prefix}_${randomBytes(24).toString('base64url')}`;
    const res = await this.pool.query<{ id: string; created_at: Date }>(
      'INSERT INTO api_keys (user_id, name, prefix, key_hash) VALUES ($1::bigint, $2, $3, $4) RETURNING id, created_at',
      [userId, name, prefix, sha256(key)],
    );
    const row = res.rows[0] as { id: string; created_at: Date };
    return {
      key,
      info: {
        id: String(row.id),
        userId,
        name,
        prefix: `${API_KEY_PREFIX}${prefix}`,
        createdAt: row.created_at.toISOString(),
        lastUsedAt: null,
        revokedAt: null,
      },
    };
  }

  async listApiKeys(userId: string | null, page: { after: string | null; limit: number }): Promise<ApiKeyInfo[]> {
    const res = await this.pool.query<{
      id: string;
      user_id: string;
      name: string;
      prefix: string;
      created_at: Date;
      last_used_at: Date | null;
      revoked_at: Date | null;
    }>(
      `SELECT id, user_id, name, prefix, created_at, last_used_at, revoked_at FROM api_keys
        WHERE ($1::bigint IS NULL OR user_id = $1::bigint) AND ($2::bigint IS NULL OR id > $2::bigint)
        ORDER BY id LIMIT $3`,
      [userId, page.after, page.limit],
    );
    return res.rows.map((r) => ({
      id: String(r.id),
      userId: String(r.user_id),
      name: r.name,
      prefix: `${API_KEY_PREFIX}${r.prefix}`,
      createdAt: r.created_at.toISOString(),
      lastUsedAt: iso(r.last_used_at),
      revokedAt: iso(r.revoked_at),
    }));
  }

  /** Revokes a key (of `userId` when given); false when no such live key. */
  async revokeApiKey(id: string, userId: string | null): Promise<boolean> {
    if (!/^[0-9]{1,18}$/.test(id)) return false;
    const res = await this.pool.query(
      `UPDATE api_keys SET revoked_at = now()
        WHERE id = $1::bigint AND revoked_at IS NULL AND ($2::bigint IS NULL OR user_id = $2::bigint)`,
      [id, userId],
    );
    return (res.rowCount ?? 0) > 0;
  }

  /** The key's user, recording its last use (at most once a minute per key). */
  async principalOfApiKey(key: string): Promise<Principal | undefined> {
    if (!key.startsWith(API_KEY_PREFIX) || key.length > 200) return undefined;
    const res = await this.pool.query<UserRow & { key_id: string; last_used_at: Date | null }>(
      `SELECT u.id, u.email, u.role, u.sites, u.disabled_at, u.created_at, k.id AS key_id, k.last_used_at
         FROM api_keys k JOIN api_users u ON u.id = k.user_id
        WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND u.disabled_at IS NULL`,
      [sha256(key)],
    );
    const r = res.rows[0];
    if (!r) return undefined;
    if (r.last_used_at === null || Date.now() - r.last_used_at.getTime() > 60_000)
      await this.pool.query('UPDATE api_keys SET last_used_at = now() WHERE id = $1', [r.key_id]);
    return { userId: String(r.id), email: r.email, role: r.role, sites: r.sites, via: 'apikey' };
  }
}
