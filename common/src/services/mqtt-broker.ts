import type { Logger } from 'pino';

/** Who a connected MQTT client is, as decided by `authenticate`. */
export interface MqttPrincipal {
  /** e.g. a site id, or "gateway" for the platform's own client. */
  id: string;
  /** Topic filters this principal may publish to / subscribe to (MQTT wildcards allowed). */
  publish: string[];
  subscribe: string[];
}

export interface HostedMqttOptions {
  port?: number;
  host?: string;
  /** Without it every client is let in with full rights (local development). */
  authenticate?: (username: string | undefined, password: string | undefined) => Promise<MqttPrincipal | null>;
  /**
   * Publishes of clients to topics matching `filter` are acknowledged (QoS 1
   * PUBACK) only once `handle` resolved; a rejection refuses the publish and the
   * broker closes that connection, so the client sends it again. Runs after the
   * topic rights of `authenticate`.
   */
  ingest?: { filter: string; handle(topic: string, payload: Buffer): Promise<void> };
  logger?: Logger;
}

/** An MQTT broker running inside this process. */
export interface HostedMqttBroker {
  url: string;
  port: number;
  readonly closed: boolean;
  close(): Promise<void>;
}

/** Starts an MQTT broker in this process (the embedded stand-in; the wiring layer hands it over). */
export type MqttBrokerHost = (options: HostedMqttOptions) => Promise<HostedMqttBroker>;

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
