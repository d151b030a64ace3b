import { mqttTelemetryTopic } from '@ysh/common';
import { connectAsync, type MqttClient } from 'mqtt';
import { UplinkError } from '../errors.ts';
import type { OutgoingBatch, SendResult, UplinkTransport } from './transport.ts';

export interface MqttUplinkOptions {
  url: string;
  site: string;
  /** The site token, sent as the MQTT password (username = site id). */
  token: string;
  timeoutMs: number;
}

/**
 * Publishes each batch with QoS 1 on `ysh/<site>/telemetry`; the broker's
 * PUBACK is the acknowledgement. The client is created on first use and
 * recreated after a failure.
 */
export class MqttUplink implements UplinkTransport {
  readonly kind = 'mqtt' as const;
  private readonly opts: MqttUplinkOptions;
  private client: MqttClient | undefined;

  constructor(opts: MqttUplinkOptions) {
    this.opts = opts;
  }

  private async connect(): Promise<MqttClient> {
    if (this.client?.connected) return this.client;
    await this.client?.endAsync(true).catch(() => undefined);
    this.client = undefined;
    try {
      this.client = await connectAsync(this.opts.url, {
        username: this.opts.site,
        password: this.opts.token,
        clientId: `ysh-edge-${this.opts.site}-${process.pid}`,
        connectTimeout: this.opts.timeoutMs,
        reconnectPeriod: 0,
        clean: true,
      });
      this.client.on('error', () => undefined);
      return this.client;
    } catch (err) {
      throw new UplinkError('EDGE_UPLINK_UNAVAILABLE', `broker unreachable: ${(err as Error).message}`, { cause: err });
    }
  }

  async send(batch: OutgoingBatch): Promise<SendResult> {
    const client = await this.connect();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.publishAsync(mqttTelemetryTopic(this.opts.site), batch.body, { qos: 1 }),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no PUBACK within ${this.opts.timeoutMs} ms`)),
            this.opts.timeoutMs,
          );
        }),
      ]);
    } catch (err) {
      await client.endAsync(true).catch(() => undefined);
      this.client = undefined;
      throw new UplinkError('EDGE_UPLINK_UNAVAILABLE', `publish failed: ${(err as Error).message}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
    return { accepted: batch.readings, duplicates: 0, rejected: [] };
  }

  async close(): Promise<void> {
    await this.client?.endAsync().catch(() => undefined);
    this.client = undefined;
  }
}
