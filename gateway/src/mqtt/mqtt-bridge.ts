import type { Logger } from '@ysh/common';
import mqtt, { type MqttClient } from 'mqtt';
import type { Ingestor } from '../ingest/ingestor.ts';
import type { GatewayMetrics } from '../metrics.ts';
import { createMqttIngest } from './mqtt-ingest.ts';

export interface MqttBridgeOptions {
  url: string;
  /** Topic filter with one `+` level naming the site, e.g. ysh/+/telemetry. */
  filter: string;
  clientId: string;
  username?: string;
  password?: string;
  /** false (default): a persistent session, so the broker keeps unacknowledged messages while we are away. */
  clean?: boolean;
  maxPayloadBytes: number;
  ingestor: Ingestor;
  metrics: GatewayMetrics;
  logger: Logger;
}

export interface MqttBridge {
  client: MqttClient;
  /** Resolves once subscribed. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Subscribes to the telemetry filter with QoS 1 and feeds each payload (a v1
 * batch) through the same ingest path as HTTP. The PUBACK goes back to the
 * broker only after Kafka acknowledged (mqtt.js handleMessage): readings
 * go to the topic, refused readings and unusable payloads to the DLQ; when
 * Kafka is away the message is retried with backoff and stays unacknowledged,
 * so the broker keeps it. The site comes from the topic, which the broker's
 * ACL ties to the publisher's credentials.
 */
export function startMqttBridge(options: MqttBridgeOptions): MqttBridge {
  const log = options.logger.child({ part: 'mqtt-bridge' });
  let closing = false;
  const handle = createMqttIngest({
    filter: options.filter,
    maxPayloadBytes: options.maxPayloadBytes,
    ingestor: options.ingestor,
    metrics: options.metrics,
    logger: options.logger,
    stopped: () => closing,
  });

  const client = mqtt.connect(options.url, {
    clientId: options.clientId,
    clean: options.clean ?? false,
    username: options.username,
    password: options.password,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
  });
  // mqtt.js sends the PUBACK of a QoS 1 message when handleMessage calls back, and hands over the next message
  // only then: calling back after Kafka acknowledged is what makes the ack mean "stored".
  client.handleMessage = (packet, callback) => {
    if (packet.cmd !== 'publish') {
      callback();
      return;
    }
    handle(String(packet.topic), Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload)).then(
      () => callback(),
      // Leave it unacknowledged: the broker redelivers it to our next session.
      () => {},
    );
  };
  client.on('error', (err) => log.warn({ err: err.message }, 'mqtt client error'));
  const ready = new Promise<void>((resolve, reject) => {
    const subscribe = () => {
      client.subscribe(options.filter, { qos: 1 }, (err, granted) => {
        if (err) return reject(err);
        if (granted?.some((g) => g.qos === 128)) return reject(new Error(`subscription to ${options.filter} refused`));
        log.info({ url: options.url, filter: options.filter }, 'mqtt bridge subscribed');
        resolve();
      });
    };
    client.once('connect', subscribe);
  });
  ready.catch(() => {});
  return {
    client,
    ready,
    async close() {
      closing = true;
      await client.endAsync(true).catch(() => {});
    },
  };
}
