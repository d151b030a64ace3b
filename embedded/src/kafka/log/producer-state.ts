import { ErrorCode } from '../protocol/error-codes.ts';

/** The last batches kept per producer to answer a retried batch with its original offset (as Kafka: 5). */
const KEEP = 5;
/** Producers remembered per partition; the least recently seen are forgotten first (as Kafka expires producer ids). */
const MAX_PRODUCERS = 2048;

interface SeenBatch {
  firstSeq: number;
  lastSeq: number;
  baseOffset: number;
}

interface ProducerEntry {
  epoch: number;
  lastSeq: number;
  batches: SeenBatch[];
}

export type SequenceCheck =
  | { kind: 'append' }
  | { kind: 'duplicate'; baseOffset: number }
  | { kind: 'error'; code: number };

/**
 * Idempotent-producer bookkeeping for one partition: per producer id the epoch,
 * the last sequence and the last few batches, so a retried batch is acknowledged
 * with its first offset instead of being written twice.
 */
export class ProducerState {
  private readonly producers = new Map<number, ProducerEntry>();

  check(producerId: number, epoch: number, firstSeq: number, lastSeq: number): SequenceCheck {
    if (producerId < 0 || firstSeq < 0) return { kind: 'append' };
    const entry = this.producers.get(producerId);
    if (!entry) return { kind: 'append' };
    if (epoch < entry.epoch) return { kind: 'error', code: ErrorCode.INVALID_PRODUCER_EPOCH };
    if (epoch > entry.epoch) {
      return firstSeq === 0 ? { kind: 'append' } : { kind: 'error', code: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER };
    }
    const dup = entry.batches.find((b) => b.firstSeq === firstSeq && b.lastSeq === lastSeq);
    if (dup) return { kind: 'duplicate', baseOffset: dup.baseOffset };
    const expected = entry.lastSeq === 0x7fffffff ? 0 : entry.lastSeq + 1;
    if (firstSeq !== expected) return { kind: 'error', code: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER };
    return { kind: 'append' };
  }

  record(producerId: number, epoch: number, firstSeq: number, lastSeq: number, baseOffset: number): void {
    if (producerId < 0 || firstSeq < 0) return;
    let entry = this.producers.get(producerId);
    if (!entry || epoch !== entry.epoch) entry = { epoch, lastSeq, batches: [] };
    // Re-insert so the Map's order is least recently seen first.
    this.producers.delete(producerId);
    this.producers.set(producerId, entry);
    if (this.producers.size > MAX_PRODUCERS) {
      const oldest = this.producers.keys().next().value;
      if (oldest !== undefined) this.producers.delete(oldest);
    }
    entry.lastSeq = lastSeq;
    entry.batches.push({ firstSeq, lastSeq, baseOffset });
    if (entry.batches.length > KEEP) entry.batches.shift();
  }

  get size(): number {
    return this.producers.size;
  }
}
