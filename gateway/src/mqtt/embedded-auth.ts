import { randomBytes } from 'node:crypto';
import type { MqttPrincipal } from '@ysh/embedded';
import type { TokenAuthenticator } from '../registry/token-authenticator.ts';

export interface EmbeddedMqttAuth {
  /** Credentials of the gateway's own bridge client. */
  bridge: { username: string; password: string };
  authenticate(username: string | undefined, password: string | undefined): Promise<MqttPrincipal | null>;
}

/**
 * Site tokens on the embedded broker, as Mosquitto's auth does in
 * production: username = site id, password = a live token of that site;
 * a site may publish only to its own telemetry topic and subscribe to
 * nothing. The bridge gets a random per-process secret.
 */
export function embeddedMqttAuth(authenticator: TokenAuthenticator, filter: string): EmbeddedMqttAuth {
  const bridge = { username: 'ysh-gateway', password: randomBytes(24).toString('base64url') };
  return {
    bridge,
    async authenticate(username, password) {
      if (!username || !password) return null;
      if (username === bridge.username)
        return password === bridge.password ? { id: bridge.username, publish: [], subscribe: [filter] } : null;
      const site = await authenticator.siteOf(password);
      if (site === null || site !== username) return null;
      return { id: site, publish: [filter.replace('+', site)], subscribe: [] };
    },
  };
}
