import { TOPICS, type BatchResponse, type ContractValidator, type Reading } from '@ysh/common';
import type { Logger } from '@ysh/common';
import { GatewayError } from '../errors.ts';
import { type BatchingProducer, type OutMessage, ProduceError } from '../kafka/batching-producer.ts';
import type { DeviceOwnership } from '../registry/device-ownership.ts';
import { DedupLedger } from './dedup-ledger.ts';
import { dlqMessage, type IngestSource } from './dlq.ts';
import { serializeReading } from './reading-serializer.ts';
import type { GatewayMetrics } from '../metrics.ts';

export interface IngestorDeps {
  validator: ContractValidator;
  ownership: DeviceOwnership;
  ledger: DedupLedger;
  producer: BatchingProducer;
  metrics: GatewayMetrics;
  logger: Logger;
  retryAfterSeconds: number;
}

function dependencyError(what: string, err: unknown, retryAfterSeconds: number): GatewayError {
  return new GatewayError('GW_DEPENDENCY_UNAVAILABLE', `${what}: ${err instanceof Error ? err.message : String(err)}`, {
    cause: err,
    retryAfterSeconds,
  });
}

/**
 * The one ingest path behind HTTP and MQTT: envelope and readings checked
 * against the contract, device ownership, dedup, then one produce of the good
 * readings (topic inverters_telemetry, key = device) together with the
 * refused ones (DLQ). Resolves only after Kafka acknowledged all of them.
 */
export class Ingestor {
  constructor(private readonly deps: IngestorDeps) {}

  /** `site` is the authenticated site (token, or MQTT topic vouched for by the broker). */
  async ingest(site: string, body: unknown, source: IngestSource): Promise<BatchResponse> {
    const { validator, ownership, ledger, producer, metrics } = this.deps;
    const retryAfterSeconds = this.deps.retryAfterSeconds;
    const checked = validator.batch(body);
    if (!checked.ok) throw new GatewayError('GW_INVALID_BATCH', checked.error);
    const batch = checked.batch;
    if (batch.site !== site)
      throw new GatewayError(
        'GW_FORBIDDEN_SITE',
        `site: the batch is for site ${JSON.stringify(batch.site)}, the credentials for ${JSON.stringify(site)}`,
      );
    const rejected: Array<{ index: number; reason: string }> = [];
    const good: Array<{ index: number; reading: Reading }> = [];
    checked.readings.forEach((r, index) => {
      if (r.ok) good.push({ index, reading: r.value });
      else rejected.push({ index, reason: r.error });
    });

    let owners: Map<string, string | undefined>;
    try {
      owners = await ownership.owners(
        site,
        good.map((g) => g.reading.device),
      );
    } catch (err) {
      throw dependencyError('device registry', err, retryAfterSeconds);
    }
    const keys: string[] = [];
    const candidates: Array<{ index: number; reading: Reading; key: string }> = [];
    const inBatch = new Set<string>();
    let duplicates = 0;
    for (const g of good) {
      const owner = owners.get(g.reading.device);
      if (owner !== site) {
        rejected.push({
          index: g.index,
          reason:
            owner === undefined
              ? `device: ${JSON.stringify(g.reading.device)} is not registered to site ${JSON.stringify(site)}`
              : `device: ${JSON.stringify(g.reading.device)} is registered to another site`,
        });
        continue;
      }
      const key = DedupLedger.key(g.reading.device, g.reading.seq);
      if (inBatch.has(key)) {
        duplicates++;
        continue;
      }
      inBatch.add(key);
      keys.push(key);
      candidates.push({ ...g, key });
    }

    let claims: Awaited<ReturnType<DedupLedger['claim']>>;
    try {
      claims = await ledger.claim(keys);
    } catch (err) {
      throw dependencyError('dedup store', err, retryAfterSeconds);
    }
    const mine = keys.filter((_, i) => claims[i] === 'new');
    if (claims.includes('pending')) {
      await ledger.release(mine).catch((err: unknown) =>
        // The claims stay pending until their TTL: retries of these readings get 503 until then.
        this.deps.logger.warn(
          { err, site, batchId: batch.batchId, claims: mine.length },
          'releasing dedup claims after a pending conflict failed; they expire with their TTL',
        ),
      );
      throw new GatewayError(
        'GW_DEDUP_PENDING',
        'some readings of this batch are being stored by a request still in flight',
        { retryAfterSeconds: 1 },
      );
    }

    const receivedAt = new Date().toISOString();
    const messages: OutMessage[] = [];
    candidates.forEach((c, i) => {
      if (claims[i] === 'new')
        messages.push({ topic: TOPICS.telemetry, key: c.reading.device, value: serializeReading(c.reading) });
      else duplicates++;
    });
    rejected.sort((a, b) => a.index - b.index);
    for (const r of rejected) {
      messages.push(
        dlqMessage({
          reason: r.reason,
          source,
          site,
          batchId: batch.batchId,
          index: r.index,
          receivedAt,
          raw: batch.readings[r.index],
        }),
      );
    }

    try {
      await producer.produce(messages);
    } catch (err) {
      // Readings another lane did store are marked stored, so a retry does not produce them twice.
      const stored = err instanceof ProduceError ? err.stored : new Set<number>();
      const kept = mine.filter((_, i) => stored.has(i));
      const released = mine.filter((_, i) => !stored.has(i));
      await Promise.all([ledger.commit(kept), ledger.release(released)]).catch((e: unknown) =>
        this.deps.logger.warn({ err: e }, 'dedup update after a failed produce failed'),
      );
      throw err;
    }
    try {
      await ledger.commit(mine);
    } catch (err) {
      // Stored in Kafka all the same; the claims expire and a retry could produce a second copy.
      metrics.dedupCommitFailures.inc();
      this.deps.logger.warn({ err }, 'dedup commit failed');
    }
    metrics.readings.inc({ source, outcome: 'accepted' }, mine.length);
    metrics.readings.inc({ source, outcome: 'duplicate' }, duplicates);
    metrics.readings.inc({ source, outcome: 'rejected' }, rejected.length);
    return { accepted: mine.length, duplicates, rejected };
  }

  /** An MQTT payload that is not a batch at all: kept whole in the DLQ. */
  async refusePayload(site: string, reason: string, raw: unknown): Promise<void> {
    await this.deps.producer.produce([
      dlqMessage({
        reason,
        source: 'mqtt',
        site,
        batchId: null,
        index: null,
        receivedAt: new Date().toISOString(),
        raw,
      }),
    ]);
    this.deps.metrics.payloadsRefused.inc({ source: 'mqtt' });
  }
}
