import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { createLogger, createMetricsRegistry, type Logger, type Registry } from '@ysh/common';
import { Control, type BrokerControl } from './control.ts';
import { fsDataSync } from './log/data-sync.ts';
import { BrokerError } from './errors.ts';
import { GroupCoordinator } from './groups/coordinator.ts';
import { handlers } from './handlers/index.ts';
import type { BrokerState } from './handlers/types.ts';
import { BrokerMetrics } from './metrics.ts';
import { ProducerIdAllocator } from './producer-ids.ts';
import { KafkaServer } from './server.ts';
import { TopicStore } from './topics/topic-store.ts';

export interface KafkaBrokerOptions {
  /** Directory holding topics, committed offsets and producer ids (created when missing). */
  dataDir: string;
  /** TCP port; 0 picks an ephemeral one (tests). Default 0. */
  port?: number;
  /** Interface to bind. Default 127.0.0.1. */
  host?: string;
  /** Host name given to clients in Metadata (default: `host`, or 127.0.0.1 when bound to 0.0.0.0/::). */
  advertisedHost?: string;
  /** Create a topic the first time a client asks for its metadata. Default true. */
  autoCreateTopics?: boolean;
  /** Partitions of auto-created topics (and CreateTopics with -1). Default 1. */
  defaultPartitions?: number;
  /** 'batch': fsync before acknowledging each produce; { intervalMs }: fsync dirty logs on a timer. Default { intervalMs: 1000 }. */
  fsync?: 'batch' | { intervalMs: number };
  retention?: {
    /** Delete closed segments last written more than this long ago. */
    ms?: number;
    /** Per partition: delete oldest closed segments while above this size. */
    bytes?: number;
    /** How often retention runs. Default 60 000 ms. */
    checkIntervalMs?: number;
  };
  /** Segment size before rolling. Default 128 MiB. */
  segmentBytes?: number;
  /** Largest request frame. Default 100 MiB (Kafka's socket.request.max.bytes). */
  maxFrameBytes?: number;
  /** Largest record batch accepted. Default 16 MiB. */
  maxMessageBytes?: number;
  /** Most record bytes in one Fetch response. Default 55 MiB (Kafka's fetch.max.bytes). */
  maxFetchBytes?: number;
  /** Wait this long for more members when an empty group gets its first join. Default 0. */
  groupInitialRebalanceDelayMs?: number;
  /** Close connections silent for this long. Default 10 minutes (Kafka's connections.max.idle.ms). */
  idleTimeoutMs?: number;
  logger?: Logger;
  /** Metrics registry to register into (default: a new one, without process metrics). */
  registry?: Registry;
}

export interface KafkaBroker {
  host: string;
  port: number;
  /** "host:port", ready for kafkajs `brokers: [broker.brokers]` or kcat `-b`. */
  brokers: string;
  registry: Registry;
  control: BrokerControl;
  /** Topics, logs and groups, for tests and ops checks. */
  state: BrokerState;
  close(): Promise<void>;
}

const CLEAN_MARKER = 'clean-shutdown';
const LOCK = 'broker.lock';

/** Data directories held by brokers of this process (the pid in the lock file cannot tell them apart). */
const heldHere = new Set<string>();

function takeLock(dataDir: string): void {
  const path = join(dataDir, LOCK);
  if (heldHere.has(resolvePath(dataDir))) {
    throw new BrokerError('BRK_STORAGE', `data directory ${dataDir} is in use by another broker of this process`);
  }
  if (existsSync(path)) {
    const pid = Number(readFileSync(path, 'utf8').trim());
    let alive = false;
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid) {
      try {
        process.kill(pid, 0);
        alive = true;
      } catch {
        alive = false;
      }
    }
    if (alive) throw new BrokerError('BRK_STORAGE', `data directory ${dataDir} is in use by process ${pid}`);
  }
  writeFileSync(path, String(process.pid));
  heldHere.add(resolvePath(dataDir));
}

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Closes the partition logs and records a clean shutdown only when all of them
 * were flushed: the marker lets the next start skip the CRC check of the active
 * segments, which is safe only if what they hold is known to be on disk.
 */
function closeLogs(topics: TopicStore, markerPath: string, logger: Logger): void {
  if (topics.close()) {
    writeFileSync(markerPath, new Date().toISOString());
    return;
  }
  logger.error(
    { marker: markerPath },
    'a partition log could not be flushed: no clean-shutdown marker, the next start verifies every active segment',
  );
}

/** Starts the embedded single-node Kafka broker and resolves once it listens. */
export async function startKafkaBroker(options: KafkaBrokerOptions): Promise<KafkaBroker> {
  const logger = options.logger ? options.logger.child({ module: 'kafka-broker' }) : createLogger('kafka-broker');
  const dataDir = options.dataDir;
  mkdirSync(dataDir, { recursive: true });
  takeLock(dataDir);
  const markerPath = join(dataDir, CLEAN_MARKER);
  const cleanShutdown = existsSync(markerPath);
  rmSync(markerPath, { force: true });
  syncDir(dataDir);
  const control = new Control();

  const fsync = options.fsync ?? { intervalMs: 1000 };
  const retention = options.retention ?? {};
  const topics = new TopicStore(
    dataDir,
    {
      segmentBytes: options.segmentBytes ?? 128 * 1024 * 1024,
      indexIntervalBytes: 4096,
      retentionMs: retention.ms,
      retentionBytes: retention.bytes,
    },
    logger,
    control.dataSync(fsDataSync),
  );
  topics.load(cleanShutdown);
  const groups = new GroupCoordinator({
    dataDir,
    initialRebalanceDelayMs: options.groupInitialRebalanceDelayMs ?? 0,
    logger,
  });
  const registry = options.registry ?? createMetricsRegistry('kafka-broker', { defaultMetrics: false });
  const metrics = new BrokerMetrics(
    registry,
    () => topics,
    () => groups,
  );
  const closeWaiters = new Set<() => void>();
  const host = options.host ?? '127.0.0.1';
  const state: BrokerState = {
    nodeId: 1,
    clusterId: readClusterId(dataDir),
    host: options.advertisedHost ?? (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host),
    port: 0,
    topics,
    groups,
    producerIds: new ProducerIdAllocator(dataDir),
    metrics,
    logger,
    autoCreateTopics: options.autoCreateTopics ?? true,
    defaultPartitions: options.defaultPartitions ?? 1,
    fsyncPerBatch: fsync === 'batch',
    maxMessageBytes: options.maxMessageBytes ?? 16 * 1024 * 1024,
    maxFetchBytes: options.maxFetchBytes ?? 55 * 1024 * 1024,
    handlers,
    closing: false,
    closeWaiters,
  };
  const maxFrameBytes = options.maxFrameBytes ?? 100 * 1024 * 1024;
  const server = new KafkaServer(
    state,
    control,
    {
      host,
      port: options.port ?? 0,
      idleTimeoutMs: options.idleTimeoutMs ?? 10 * 60_000,
      maxFrameBytes,
      maxBufferedBytes: Math.max(8 * 1024 * 1024, maxFrameBytes),
      maxPendingWriteBytes: 16 * 1024 * 1024,
    },
    logger,
  );
  let address: Awaited<ReturnType<KafkaServer['listen']>>;
  try {
    address = await server.listen();
  } catch (err) {
    // Leave the data directory as a clean stop would, so a retry (another port) can take it.
    groups.close();
    closeLogs(topics, markerPath, logger);
    rmSync(join(dataDir, LOCK), { force: true });
    heldHere.delete(resolvePath(dataDir));
    throw err;
  }
  state.port = address.port;

  const timers: NodeJS.Timeout[] = [];
  if (fsync !== 'batch') {
    timers.push(
      setInterval(() => {
        Promise.all([topics.syncAll(), groups.offsets.sync()]).catch((err: unknown) =>
          logger.error({ err }, 'interval fsync failed'),
        );
      }, fsync.intervalMs),
    );
  }
  // Always scheduled: topics may carry their own retention.ms / retention.bytes.
  timers.push(
    setInterval(() => {
      try {
        topics.applyRetention();
      } catch (err) {
        logger.error({ err }, 'retention failed');
      }
    }, retention.checkIntervalMs ?? 60_000),
  );
  for (const t of timers) t.unref();

  logger.info(
    { host, port: state.port, dataDir, topics: topics.topics.size, cleanShutdown, fsync },
    'kafka broker listening',
  );

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      state.closing = true;
      for (const wake of [...closeWaiters]) wake();
      for (const t of timers) clearInterval(t);
      await server.close();
      groups.close();
      closeLogs(topics, markerPath, logger);
      rmSync(join(dataDir, LOCK), { force: true });
      heldHere.delete(resolvePath(dataDir));
      syncDir(dataDir);
      logger.info({ port: state.port }, 'kafka broker stopped');
    })();
    return closing;
  };

  return {
    host: state.host,
    port: state.port,
    brokers: `${state.host}:${state.port}`,
    registry,
    control,
    state,
    close,
  };
}

function readClusterId(dataDir: string): string {
  const path = join(dataDir, 'cluster-id');
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const id = randomUUID();
  writeFileSync(path, id);
  return id;
}
