import type { MqttPrincipal } from '@ysh/common';
import type { TokenAuthenticator } from '@ysh/common/registry';

export type MqttAuthenticate = (
  username: string | undefined,
  password: string | undefined,
) => Promise<MqttPrincipal | null>;

/**
 * Site tokens on the embedded broker, as Mosquitto's auth does in
 * production: username = site id, password = a live token of that site.
 * A site may publish only to its own telemetry topic and subscribe to nothing.
 */
export function embeddedMqttAuth(authenticator: TokenAuthenticator, filter: string): MqttAuthenticate {
  return async (username, password) => {
    if (!username || !password) return null;
    const site = await authenticator.siteOf(password);
    if (site === null || site !== username) return null;
    return { id: site, publish: [filter.replace('+', site)], subscribe: [] };
  };
}
