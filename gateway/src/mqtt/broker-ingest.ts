import { type EmbeddedMqtt, topicMatches } from '@ysh/embedded';

type Aedes = EmbeddedMqtt['broker'];

/**
 * On the embedded broker the gateway ingests inside the broker's publish
 * authorization, which aedes runs before it sends the publisher its PUBACK:
 * a site's QoS 1 publish is acknowledged to the site itself only after Kafka
 * acknowledged its readings (or the DLQ took the payload). Sites are served
 * concurrently, nothing queues in the broker, and when ingest cannot finish
 * the publish is refused (aedes closes that connection) so the site resends.
 * The site ACL of the embedded broker still runs first.
 */
export function ingestAtBroker(
  broker: Aedes,
  filter: string,
  ingest: (topic: string, payload: Buffer) => Promise<void>,
): void {
  const authorize = broker.authorizePublish;
  broker.authorizePublish = (client, packet, done) => {
    authorize.call(broker, client, packet, (err?: Error | null) => {
      if (err) return done(err);
      // Broker-originated publishes (no client) and other topics pass untouched.
      if (!client || !topicMatches(filter, packet.topic)) return done(null);
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
      ingest(packet.topic, payload).then(
        () => done(null),
        (e: unknown) => done(e instanceof Error ? e : new Error(String(e))),
      );
    });
  };
}
