import type { SiteRegistry } from './site-registry.ts';

export interface TokenAuthenticatorOptions {
  /** Reuse a positive answer this long; 0 (default) keeps revocation effective for the very next request. */
  cacheMs?: number;
  now?: () => number;
}

/**
 * Token → site on the hot path. Concurrent lookups of the same token share
 * one database query (single flight), so a busy site costs one round trip
 * per query time however many requests it has in flight, while a revoked
 * token stops working for every request that starts after the revocation
 * committed. An optional short positive cache trades that for fewer queries.
 */
export class TokenAuthenticator {
  private readonly inflight = new Map<string, Promise<string | null>>();
  private readonly cache = new Map<string, { site: string; until: number }>();
  private readonly cacheMs: number;
  private readonly now: () => number;
  queries = 0;

  constructor(
    private readonly registry: Pick<SiteRegistry, 'siteOfToken'>,
    options: TokenAuthenticatorOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? 0;
    this.now = options.now ?? Date.now;
  }

  siteOf(token: string): Promise<string | null> {
    if (this.cacheMs > 0) {
      const hit = this.cache.get(token);
      if (hit && hit.until > this.now()) return Promise.resolve(hit.site);
    }
    let pending = this.inflight.get(token);
    if (!pending) {
      this.queries++;
      pending = this.registry.siteOfToken(token).then(
        (site) => {
          this.inflight.delete(token);
          if (site && this.cacheMs > 0) {
            if (this.cache.size > 10_000) this.cache.clear();
            this.cache.set(token, { site, until: this.now() + this.cacheMs });
          }
          return site;
        },
        (err: unknown) => {
          this.inflight.delete(token);
          throw err;
        },
      );
      this.inflight.set(token, pending);
    }
    return pending;
  }
}
