import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { topicMatches, type HostedMqttBroker, type HostedMqttOptions, type MqttPrincipal } from '@ysh/common';
import { Aedes, type Client } from 'aedes';

export type EmbeddedMqttOptions = HostedMqttOptions;

export interface EmbeddedMqtt extends HostedMqttBroker {
  broker: Aedes;
}

const principals = new WeakMap<Client, MqttPrincipal>();

/**
 * An MQTT broker (aedes) on a TCP port, with optional per-client credentials
 * and topic rights, and optional ingest inside the publish authorization.
 */
export async function startEmbeddedMqtt(options: EmbeddedMqttOptions = {}): Promise<EmbeddedMqtt> {
  const auth = options.authenticate;
  const ingest = options.ingest;
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
      if (auth) {
        const p = client ? principals.get(client) : undefined;
        if (!p?.publish.some((f) => topicMatches(f, packet.topic)))
          return done(new Error(`not allowed to publish to ${packet.topic}`));
      }
      // Broker-originated publishes (no client) and other topics pass untouched.
      if (!ingest || !client || !topicMatches(ingest.filter, packet.topic)) return done(null);
      // aedes sends the publisher its PUBACK only after this callback: the publish is
      // acknowledged once ingest finished, and refused (connection closed) when it failed.
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
      ingest.handle(packet.topic, payload).then(
        () => done(null),
        (e: unknown) => done(e instanceof Error ? e : new Error(String(e))),
      );
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
    get closed() {
      return broker.closed;
    },
    close: () =>
      new Promise<void>((resolve) => {
        // Closing the broker ends its client connections, which lets the listener close.
        broker.close(() => server.close(() => resolve()));
      }),
  };
}
