import type { Logger } from '@ysh/common';
import mqtt, { type MqttClient } from 'mqtt';
import { GatewayError } from '../errors.ts';
import type { Ingestor } from '../ingest/ingestor.ts';
import type { GatewayMetrics } from '../metrics.ts';

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

/** Level of the filter's `+` that names the site. */
export function siteOfTopic(filter: string, topic: string): string | undefined {
  // A shared subscription ($share/<group>/<filter>) delivers topics of the inner filter.
  const inner = filter.startsWith('$share/') ? filter.split('/').slice(2).join('/') : filter;
  const f = inner.split('/');
  const t = topic.split('/');
  if (f.length !== t.length) return undefined;
  const at = f.indexOf('+');
  return at >= 0 ? t[at] : undefined;
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
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  const handle = async (topic: string, payload: Buffer): Promise<void> => {
    const site = siteOfTopic(options.filter, topic);
    if (!site) {
      log.warn({ topic }, 'message on a topic without a site level, dropped');
      options.metrics.mqttMessages.inc({ outcome: 'dropped' });
      return;
    }
    for (let attempt = 0; ; attempt++) {
      try {
        let body: unknown;
        if (payload.length > options.maxPayloadBytes) {
          throw new GatewayError(
            'GW_BODY_TOO_LARGE',
            `payload: ${payload.length} bytes, more than ${options.maxPayloadBytes}`,
          );
        }
        try {
          body = JSON.parse(payload.toString('utf8'));
        } catch (err) {
          throw new GatewayError('GW_MALFORMED_JSON', `payload: is not valid JSON (${(err as Error).message})`);
        }
        const result = await options.ingestor.ingest(site, body, 'mqtt');
        options.metrics.mqttMessages.inc({ outcome: 'ingested' });
        if (result.rejected.length > 0) log.info({ site, rejected: result.rejected.length }, 'readings refused to DLQ');
        return;
      } catch (err) {
        const gw = err instanceof GatewayError ? err : undefined;
        if (gw && !gw.retriable) {
          // Not a batch we can take: keep the payload whole in the DLQ, then acknowledge.
          const raw =
            payload.length > options.maxPayloadBytes
              ? payload.subarray(0, 65536).toString('utf8')
              : payload.toString('utf8');
          try {
            await options.ingestor.refusePayload(site, `${gw.code}: ${gw.message}`, raw);
            options.metrics.mqttMessages.inc({ outcome: 'refused' });
            return;
          } catch (dlqErr) {
            log.warn({ err: dlqErr }, 'DLQ produce failed, will retry');
          }
        } else log.warn({ err: gw ? gw.message : err, attempt }, 'ingest failed, message kept unacknowledged');
        if (closing) throw new Error('bridge closing with the message unacknowledged');
        await sleep(Math.min(5000, 100 * 2 ** Math.min(attempt, 6)));
        if (closing) throw new Error('bridge closing with the message unacknowledged');
      }
    }
  };

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
