import {
  createContractValidator,
  createLogger,
  ServiceNotProvidedError,
  type HealthCheck,
  type HostedMqttBroker,
  type Logger,
  type ServiceProvider,
} from '@ysh/common';
import { pingDatabase, type Pool } from '@ysh/common/db';
import type { KvStore } from '@ysh/common/kv';
import type { FastifyInstance } from 'fastify';
import type { GatewayConfig } from './config.ts';
import { buildApp } from './http/app.ts';
import { DedupLedger } from './ingest/dedup-ledger.ts';
import { Ingestor } from './ingest/ingestor.ts';
import { BatchingProducer } from './kafka/batching-producer.ts';
import { createKafkaClient, type KafkaClient } from './kafka/kafka-client.ts';
import { createGatewayMetrics, type GatewayMetrics } from './metrics.ts';
import { embeddedMqttAuth } from './mqtt/embedded-auth.ts';
import { createMqttIngest } from './mqtt/mqtt-ingest.ts';
import { startMqttBridge, type MqttBridge } from './mqtt/mqtt-bridge.ts';
import { DeviceOwnership } from './registry/device-ownership.ts';
import { SiteRegistry, TokenAuthenticator } from '@ysh/common/registry';

export interface GatewayDeps {
  logger?: Logger;
  /** Where the database, key-value store and (embedded MQTT mode) the hosted MQTT broker come from. */
  services?: ServiceProvider;
  /** An open pool (tests); otherwise `services.database()`. */
  pool?: Pool;
  /** A key-value store (tests); otherwise `services.kv()`. */
  kv?: KvStore;
  metrics?: GatewayMetrics;
}

export interface Gateway {
  app: FastifyInstance;
  url: string;
  port: number;
  /** MQTT URL edge agents publish to (embedded broker or YSH_MQTT_URL); undefined when MQTT is off. */
  mqttUrl: string | undefined;
  /** The subscribing bridge (external broker); on the embedded broker ingest runs inside the broker instead. */
  mqttBridge: MqttBridge | undefined;
  producer: BatchingProducer;
  kafka: KafkaClient;
  metrics: GatewayMetrics;
  registry: SiteRegistry;
  authenticator: TokenAuthenticator;
  close(): Promise<void>;
}

/** Starts HTTP ingest, the MQTT bridge and the Kafka producer; `close()` drains in order. */
export async function startGateway(config: Readonly<GatewayConfig>, deps: GatewayDeps = {}): Promise<Gateway> {
  const logger = deps.logger ?? createLogger('gateway', { level: config.common.logLevel });
  const metrics = deps.metrics ?? createGatewayMetrics();
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const c of closers.splice(0).reverse())
      await c().catch((err: unknown) => logger.warn({ err }, 'close failed'));
  };
  try {
    const { services } = deps;
    let pool = deps.pool;
    if (!pool) {
      if (!services) throw new ServiceNotProvidedError('the gateway database');
      const db = await services.database({ logger, application: 'ysh-gateway', max: 8 });
      closers.push(() => db.close());
      pool = db.pool;
    }
    const kv = deps.kv ?? (await services?.kv());
    if (!kv) throw new ServiceNotProvidedError('the gateway key-value store');
    if (!deps.kv) closers.push(() => kv.close());

    const kafka = createKafkaClient({
      brokers: config.kafka.brokers,
      clientId: config.kafka.clientId,
      compression: config.kafka.compression,
      partitions: config.kafka.partitions,
      producers: config.kafka.producers,
      produceTimeoutMs: config.kafka.produceTimeoutMs,
      logger,
    });
    closers.push(() => kafka.close());
    let stopped = false;
    closers.push(async () => {
      stopped = true;
    });
    let topicsReady = false;
    const ensureTopics = async () => {
      for (let attempt = 0; !topicsReady && !stopped; attempt++) {
        try {
          await kafka.ensureTopics();
          topicsReady = true;
        } catch (err) {
          if (attempt === 0) logger.warn({ err: (err as Error).message }, 'kafka not reachable yet, retrying');
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    };

    const producer = new BatchingProducer(kafka.sends, {
      laneOf: kafka.laneOf,
      maxInFlightBytes: config.kafka.maxInFlightBytes,
      maxRequestBytes: config.kafka.maxRequestBytes,
      lingerMs: config.kafka.lingerMs,
      produceTimeoutMs: config.kafka.produceTimeoutMs,
      retryAfterSeconds: config.kafka.retryAfterSeconds,
      onRequest: ({ messages, ok, ms }) => {
        metrics.produceRequests.inc({ outcome: ok ? 'ok' : 'failed' });
        metrics.produceMessages.observe(messages);
        metrics.produceSeconds.observe(ms / 1000);
      },
    });
    const inflightTimer = setInterval(() => metrics.inFlightBytes.set(producer.inFlightBytes), 1000);
    inflightTimer.unref();
    closers.push(async () => clearInterval(inflightTimer));

    const registry = new SiteRegistry(pool);
    const authenticator = new TokenAuthenticator(
      {
        siteOfToken: (t) => {
          metrics.authQueries.inc();
          return registry.siteOfToken(t);
        },
      },
      { cacheMs: config.authCacheMs },
    );
    const ingestor = new Ingestor({
      validator: createContractValidator({
        maxFutureSkewMs: config.maxFutureSkewMs,
        maxBatchReadings: config.maxBatchReadings,
      }),
      ownership: new DeviceOwnership(pool, { policy: config.devicePolicy, cacheMs: config.deviceCacheMs }),
      ledger: new DedupLedger(kv, {
        horizonMs: config.dedupHorizonMs,
        pendingTtlMs: config.kafka.produceTimeoutMs + 30_000,
      }),
      producer,
      metrics,
      logger,
      retryAfterSeconds: config.kafka.retryAfterSeconds,
    });

    const checks: Record<string, HealthCheck> = {
      kafka: () => kafka.ping(),
      database: () => pingDatabase(pool),
      kv: async () => ({ ok: await kv.ping() }),
    };
    const app = await buildApp({
      logger,
      ingestor,
      authenticator,
      kv,
      metrics,
      checks,
      bodyLimitBytes: config.bodyLimitBytes,
      maxDecompressedBytes: config.maxDecompressedBytes,
      rateLimit: config.rateLimit,
      fleet: { pool, issueToken: (site) => registry.issueToken(site), enrollRateLimit: config.enrollRateLimit },
    });
    // Stop intake first, then let what is in flight reach Kafka.
    closers.push(() => producer.close());
    closers.push(() => app.close());
    await app.listen({ port: config.port, host: config.host });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    void ensureTopics();

    let mqttUrl: string | undefined;
    let bridge: MqttBridge | undefined;
    let mqttStopping = false;
    const bridgeTo = (to: string, username: string | undefined, password: string | undefined) => {
      const b = startMqttBridge({
        url: to,
        filter: config.mqtt.filter,
        clientId: config.mqtt.clientId,
        clean: config.mqtt.clean,
        username,
        password,
        maxPayloadBytes: config.maxDecompressedBytes,
        ingestor,
        metrics,
        logger,
      });
      closers.push(() => b.close());
      return b;
    };
    if (config.mqtt.mode === 'embedded') {
      const host = services?.mqttBroker;
      if (!host) throw new ServiceNotProvidedError('an MQTT broker to host (YSH_GATEWAY_MQTT embedded)');
      let embedded: HostedMqttBroker | undefined;
      try {
        // Ingest runs inside the broker's publish authorization, which sends the site its
        // PUBACK only after Kafka acknowledged its readings (or the DLQ took the payload):
        // sites are served concurrently, nothing queues in the broker, and when ingest cannot
        // finish the publish is refused (the connection closes) so the site resends.
        embedded = await host({
          port: config.mqtt.embeddedPort,
          authenticate: embeddedMqttAuth(authenticator, config.mqtt.filter),
          ingest: {
            filter: config.mqtt.filter,
            handle: createMqttIngest({
              filter: config.mqtt.filter,
              maxPayloadBytes: config.maxDecompressedBytes,
              ingestor,
              metrics,
              logger,
              stopped: () => mqttStopping,
              giveUpAfterMs: 2 * config.kafka.produceTimeoutMs,
            }),
          },
          logger,
        });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
        // Another process of this machine already serves the embedded broker: bridge to it as a client.
        logger.warn(
          { port: config.mqtt.embeddedPort },
          'embedded MQTT port already served by another process; bridging to it (site tokens are not enforced by this gateway there)',
        );
      }
      if (embedded) {
        const e = embedded;
        closers.push(async () => {
          mqttStopping = true;
          await e.close();
        });
        mqttUrl = e.url;
      } else {
        mqttUrl = `mqtt://127.0.0.1:${config.mqtt.embeddedPort}`;
        bridge = bridgeTo(mqttUrl, undefined, undefined);
      }
    } else if (config.mqtt.mode === 'external') {
      mqttUrl = config.mqtt.url as string;
      bridge = bridgeTo(mqttUrl, config.mqtt.username, config.mqtt.password);
    }
    const url = `http://${config.host}:${port}`;
    logger.info({ url, mqtt: mqttUrl, kafka: config.kafka.brokers }, 'gateway listening');
    return {
      app,
      url,
      port,
      mqttUrl,
      mqttBridge: bridge,
      producer,
      kafka,
      metrics,
      registry,
      authenticator,
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
