import type { AddressInfo } from 'node:net';
import { createGunzip } from 'node:zlib';
import { createContractValidator, type Reading } from '@ysh/common';
import Fastify, { type FastifyInstance } from 'fastify';

/**
 * Stand-in for the gateway's HTTP batch contract (ARCHITECTURE.md, "Edge →
 * gateway") until the gateway is wired into these tests: Bearer site token,
 * gzip or plain JSON, envelope + per-reading validation with the shared
 * contract validator, (device, seq) dedup, and the `{accepted, duplicates,
 * rejected}` answer. Faults on demand: go down (connection refused) and up
 * again on the same port, answer 503/429 with Retry-After, or store a batch
 * and then drop the connection without answering (a lost response).
 */
export interface ReceiverMode {
  /** Answer every batch with this status (503 or 429) and `Retry-After: retryAfter` seconds. */
  status?: 429 | 503;
  retryAfter?: number;
  /** Store the next N batches, then destroy the socket instead of answering. */
  dropResponses?: number;
  /** Wait this long before answering (slow gateway). */
  delayMs?: number;
  /**
   * Store each batch, then keep its answer back until the mode changes (or the
   * receiver goes down): the sender has a batch in flight that the receiver
   * already holds, e.g. to kill it in the middle of a drain.
   */
  holdResponses?: boolean;
}

export interface TestReceiver {
  url: string;
  port: number;
  /** Unique (device, seq) pairs in first-arrival order per device. */
  readonly byDevice: Map<string, number[]>;
  /** Readings in first-arrival order (the unique ones). */
  readonly readings: Reading[];
  /** When each batch refused with `status` arrived (Date.now()), in order. */
  readonly refusedAt: number[];
  readonly stats: {
    batches: number;
    accepted: number;
    duplicates: number;
    rejected: number;
    refused: number;
    unauthorized: number;
    /** A new seq for a device arrived below one already received for it. */
    orderViolations: number;
    /** A (device, seq) arrived again with different content: a reused seq, never acceptable. */
    conflicts: number;
    /** Sum of meta.dropped reported by the edge. */
    reportedDropped: number;
    /** Batches stored whose answer is being held back now (holdResponses). */
    held: number;
    lastMeta: Record<string, unknown> | undefined;
  };
  uniqueCount(): number;
  setMode(mode: ReceiverMode): void;
  /** Stop listening: the edge gets connection refused. */
  down(): Promise<void>;
  /** Listen again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestReceiver(options: {
  token: string;
  site?: string;
  port?: number;
  /** Keep each reading (default true); benchmarks only count (device, seq) pairs. */
  keepReadings?: boolean;
}): Promise<TestReceiver> {
  const keep = options.keepReadings ?? true;
  let unique = 0;
  const validator = createContractValidator({ maxBatchReadings: 5000 });
  const byDevice = new Map<string, number[]>();
  const seen = new Map<string, Set<number>>();
  const content = new Map<string, string>();
  const maxSeq = new Map<string, number>();
  const readings: Reading[] = [];
  const stats: TestReceiver['stats'] = {
    batches: 0,
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    refused: 0,
    unauthorized: 0,
    orderViolations: 0,
    conflicts: 0,
    reportedDropped: 0,
    held: 0,
    lastMeta: undefined,
  };
  const refusedAt: number[] = [];
  const holding = new Set<() => void>();
  const releaseHeld = () => {
    for (const release of holding) release();
    holding.clear();
  };
  let mode: ReceiverMode = {};
  let app: FastifyInstance | undefined;
  let port = options.port ?? 0;

  const build = (): FastifyInstance => {
    const f = Fastify({ bodyLimit: 64 * 1024 * 1024, logger: false });
    f.addHook('preParsing', async (req, _reply, payload) => {
      if (req.headers['content-encoding'] === 'gzip') {
        delete req.headers['content-length'];
        return payload.pipe(createGunzip());
      }
      return payload;
    });
    // Counters for a receiver running in another process (benchmarks).
    f.get('/stats', async () => ({ unique, ...stats, lastMeta: undefined }));
    f.post('/v1/telemetry', async (req, reply) => {
      if (req.headers.authorization !== `Bearer ${options.token}`) {
        stats.unauthorized++;
        return reply.code(401).send({ error: 'unauthorized' });
      }
      if (mode.delayMs) await new Promise((r) => setTimeout(r, mode.delayMs));
      if (mode.status) {
        stats.refused++;
        refusedAt.push(Date.now());
        return reply
          .code(mode.status)
          .header('retry-after', String(mode.retryAfter ?? 1))
          .send({ error: 'try later' });
      }
      const checked = validator.batch(req.body);
      if (!checked.ok) return reply.code(400).send({ error: checked.error });
      if (options.site && checked.batch.site !== options.site) return reply.code(403).send({ error: 'wrong site' });
      stats.batches++;
      stats.lastMeta = checked.batch.meta as Record<string, unknown> | undefined;
      stats.reportedDropped += checked.batch.meta?.dropped ?? 0;
      let accepted = 0;
      let duplicates = 0;
      const rejected: { index: number; reason: string }[] = [];
      checked.readings.forEach((r, index) => {
        if (!r.ok) {
          rejected.push({ index, reason: r.error });
          return;
        }
        const { device, seq } = r.value;
        let set = seen.get(device);
        if (!set) {
          set = new Set();
          seen.set(device, set);
          byDevice.set(device, []);
        }
        const key = `${device}#${seq}`;
        const text = keep ? JSON.stringify(r.value) : '';
        if (set.has(seq)) {
          duplicates++;
          if (keep && content.get(key) !== text) stats.conflicts++;
          return;
        }
        set.add(seq);
        unique++;
        if (keep) content.set(key, text);
        if (seq < (maxSeq.get(device) ?? -1)) stats.orderViolations++;
        maxSeq.set(device, Math.max(seq, maxSeq.get(device) ?? -1));
        byDevice.get(device)?.push(seq);
        if (keep) readings.push(r.value);
        accepted++;
      });
      stats.accepted += accepted;
      stats.duplicates += duplicates;
      stats.rejected += rejected.length;
      if (mode.holdResponses) {
        stats.held++;
        await new Promise<void>((resolve) => holding.add(resolve));
        stats.held--;
      }
      if (mode.dropResponses && mode.dropResponses > 0) {
        mode.dropResponses--;
        req.raw.socket.destroy();
        return reply.hijack();
      }
      return reply.code(200).send({ accepted, duplicates, rejected });
    });
    return f;
  };

  const up = async (): Promise<void> => {
    if (app) return;
    const f = build();
    await f.listen({ host: '127.0.0.1', port });
    port = (f.server.address() as AddressInfo).port;
    app = f;
  };
  const down = async (): Promise<void> => {
    const f = app;
    app = undefined;
    if (!f) return;
    releaseHeld();
    f.server.closeAllConnections();
    await f.close();
  };
  await up();

  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    byDevice,
    readings,
    refusedAt,
    stats,
    uniqueCount: () => unique,
    setMode: (m) => {
      mode = { ...m };
      if (!mode.holdResponses) releaseHeld();
    },
    down,
    up,
    close: down,
  };
}
