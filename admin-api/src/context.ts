import type { Logger } from '@ysh/common';
import type { Pool } from '@ysh/common/db';
import type { BatchServices } from '@ysh/common/domain';
import type { SiteRegistry } from '@ysh/common/registry';
import type { ApiConfig } from './config.ts';
import type { EventFeed } from './events/event-feed.ts';
import type { IdentityStore } from './identity/identity-store.ts';
import type { Principal, Role } from './identity/principal.ts';

/** What every route plugin receives: the database, the stores over it, the options. */
export interface ApiContext {
  pool: Pool;
  identity: IdentityStore;
  registry: SiteRegistry;
  events: EventFeed;
  config: Pick<ApiConfig, 'sessionTtlMs' | 'secureCookies' | 'tokenOverlapMs'>;
  logger: Logger;
  /** The batch-jobs domain (tariffs, catalog, proposals, search, runs); null where the wiring has none (503). */
  batch: BatchServices | null;
}

/** What a mutating route tells the audit log about the change. */
export interface AuditNote {
  target?: string;
  before?: unknown;
  after?: unknown;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Least role the route needs; absent with `public: true` only. */
    role?: Role;
    /** Reachable without credentials (login, health, docs). */
    public?: boolean;
    /** Only callers whose scope is every site (platform-wide resources such as batch jobs). */
    allSites?: boolean;
    /** Audit action name (defaults to METHOD route). */
    action?: string;
  }
  interface FastifyRequest {
    principal: Principal | null;
    audit: AuditNote | null;
  }
}

/** The principal of an authenticated route (the auth hook ran). */
export function principalOf(request: { principal: Principal | null }): Principal {
  if (!request.principal) throw new Error('route reached without a principal');
  return request.principal;
}
