export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: a user through a session cookie or one of their API keys. */
export interface Principal {
  userId: string;
  email: string;
  role: Role;
  /** Sites the caller may see; null = every site. */
  sites: string[] | null;
  via: 'session' | 'apikey';
  /** Session only: the CSRF token bound to it. */
  csrf?: string;
}

export function roleAtLeast(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/** True when the principal may see the site. */
export function canSeeSite(p: Principal, site: string | null | undefined): boolean {
  if (p.sites === null) return true;
  return typeof site === 'string' && p.sites.includes(site);
}
