import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Aedes, type Client } from 'aedes';
import type { Logger } from 'pino';

/** Who a connected client is, as decided by `authenticate`. */
export interface MqttPrincipal {
  /** e.g. a site id, or "gateway" for the platform's own client. */
  id: string;
  /** Topic filters this principal may publish to / subscribe to (MQTT wildcards allowed). */
  publish: string[];
  subscribe: string[];
}

export interface EmbeddedMqttOptions {
  port?: number;
  host?: string;
  /** Without it every client is let in with full rights (local development). */
  authenticate?: (username: string | undefined, password: string | undefined) => Promise<MqttPrincipal | null>;
  logger?: Logger;
}

export interface EmbeddedMqtt {
  url: string;
  port: number;
  broker: Aedes;
  close(): Promise<void>;
}

/** Does an MQTT topic match a filter with `+` and `#` wildcards? */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

const principals = new WeakMap<Client, MqttPrincipal>();

/** An MQTT broker (aedes) on a TCP port, with optional per-client credentials and topic rights. */
export async function startEmbeddedMqtt(options: EmbeddedMqttOptions = {}): Promise<EmbeddedMqtt> {
  const auth = options.authenticate;
  const broker = await Aedes.createBroker({
    authenticate: (client, username, password, done) => {
      if (!auth) {
        done(null, true);
        return;
      }
      auth(username, password?.toString('utf8')).then(
        (principal) => {
          if (!principal) {
            const err = Object.assign(new Error('bad username or password'), { returnCode: 4 });
            done(err as Parameters<typeof done>[0], false);
            return;
          }
          principals.set(client, principal);
          done(null, true);
        },
        (err: unknown) => {
          options.logger?.error({ err }, 'mqtt authentication failed');
          done(Object.assign(new Error('server unavailable'), { returnCode: 3 }) as Parameters<typeof done>[0], false);
        },
      );
    },
    authorizePublish: (client, packet, done) => {
      if (!auth) return done(null);
      const p = client ? principals.get(client) : undefined;
      if (p?.publish.some((f) => topicMatches(f, packet.topic))) return done(null);
      done(new Error(`not allowed to publish to ${packet.topic}`));
    },
    authorizeSubscribe: (client, sub, done) => {
      if (!auth) return done(null, sub);
      const p = principals.get(client);
      if (p?.subscribe.some((f) => f === sub.topic || topicMatches(f, sub.topic))) return done(null, sub);
      // A null subscription is answered with a SUBACK failure code (0x80); the connection stays up.
      done(null, null);
    },
  });
  broker.on('clientError', (client, err) =>
    options.logger?.debug({ client: client.id, err: err.message }, 'mqtt client error'),
  );
  broker.on('connectionError', (_client, err) => options.logger?.debug({ err: err.message }, 'mqtt connection error'));

  const server: Server = createServer(broker.handle);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  options.logger?.info({ port }, 'embedded mqtt listening');
  return {
    url: `mqtt://${host}:${port}`,
    port,
    broker,
    close: () =>
      new Promise<void>((resolve) => {
        // Closing the broker ends its client connections, which lets the listener close.
        broker.close(() => server.close(() => resolve()));
      }),
  };
}
