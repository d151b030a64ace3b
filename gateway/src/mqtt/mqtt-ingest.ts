import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@ysh/common';
import { GatewayError } from '../errors.ts';
import type { Ingestor } from '../ingest/ingestor.ts';
import type { GatewayMetrics } from '../metrics.ts';

export interface MqttIngestOptions {
  /** Topic filter with one `+` level naming the site, e.g. ysh/+/telemetry. */
  filter: string;
  maxPayloadBytes: number;
  ingestor: Ingestor;
  metrics: GatewayMetrics;
  logger: Logger;
  /** Stop retrying (and reject) once this returns true. */
  stopped: () => boolean;
  /** Give up retrying a message after this long (reject: the caller leaves it unacknowledged). */
  giveUpAfterMs?: number;
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
 * One MQTT payload (a v1 batch) through the HTTP ingest path. Resolves when the
 * message may be acknowledged: its readings are in Kafka, or — when it is not a
 * batch we can take — it is kept whole in the DLQ. While Kafka (or the
 * database) is away it retries with backoff; it rejects only when stopping or
 * past giveUpAfterMs, and the caller then leaves the message unacknowledged.
 */
export function createMqttIngest(options: MqttIngestOptions): (topic: string, payload: Buffer) => Promise<void> {
  const log = options.logger.child({ part: 'mqtt-ingest' });
  return async (topic, payload) => {
    const site = siteOfTopic(options.filter, topic);
    if (!site) {
      log.warn({ topic }, 'message on a topic without a site level, dropped');
      options.metrics.mqttMessages.inc({ outcome: 'dropped' });
      return;
    }
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        if (payload.length > options.maxPayloadBytes)
          throw new GatewayError(
            'GW_BODY_TOO_LARGE',
            `payload: ${payload.length} bytes, more than ${options.maxPayloadBytes}`,
          );
        let body: unknown;
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
            log.warn({ err: (dlqErr as Error).message }, 'DLQ produce failed, will retry');
          }
        } else if (attempt === 0 || attempt % 10 === 0)
          log.warn({ err: gw ? gw.message : String(err), attempt }, 'ingest failed, message kept unacknowledged');
        const giveUp = options.giveUpAfterMs !== undefined && Date.now() - started > options.giveUpAfterMs;
        if (options.stopped() || giveUp) {
          options.metrics.mqttMessages.inc({ outcome: 'unacknowledged' });
          throw gw ?? new GatewayError('GW_INTERNAL', 'ingest failed', { cause: err });
        }
        await sleep(Math.min(2000, 100 * 2 ** Math.min(attempt, 5)));
      }
    }
  };
}
