import type { Me, Role } from './api/types.ts';

/**
 * What a role may do, as the console shows it. The API enforces the same rules on every request;
 * this only decides which buttons exist, so a viewer is never offered an action that would be refused.
 */
export type Action =
  | 'alerts.act'
  | 'silences.manage'
  | 'jobs.materialize'
  | 'proposals.create'
  | 'agents.enroll'
  | 'sites.manage';

const ALLOWED: Record<Action, readonly Role[]> = {
  'alerts.act': ['admin', 'operator'],
  'silences.manage': ['admin', 'operator'],
  'jobs.materialize': ['admin', 'operator'],
  'proposals.create': ['admin', 'operator'],
  'agents.enroll': ['admin'],
  'sites.manage': ['admin'],
};

export function can(me: Pick<Me, 'role'> | null, action: Action): boolean {
  return me !== null && ALLOWED[action].includes(me.role);
}

/** Whether a user's site scope covers a site (null scope = every site). */
export function inScope(me: Pick<Me, 'sites'> | null, site: string): boolean {
  if (!me) return false;
  return me.sites === null || me.sites.includes(site);
}
