import type { KvStore } from '@ysh/common/kv';

export type ClaimResult = 'new' | 'duplicate' | 'pending';

export interface DedupLedgerOptions {
  /** How long a stored (device, seq) is remembered. */
  horizonMs: number;
  /** How long a claim lives before Kafka answered; outlives the produce timeout, expires after a crash. */
  pendingTtlMs: number;
}

const PENDING = 'p';
const STORED = 's';

/**
 * Remembers which (device, seq) Kafka already stored. A reading is first
 * claimed as pending (SET NX with a short TTL), marked stored only once Kafka
 * acknowledged it, and released when the produce failed — so a retried batch
 * after a lost response yields one copy, a failed produce leaves nothing
 * marked, and a concurrent retry of a batch still in flight is told to come
 * back rather than told "duplicate" for readings that may yet fail.
 */
export class DedupLedger {
  constructor(
    private readonly kv: KvStore,
    private readonly options: DedupLedgerOptions,
  ) {}

  static key(device: string, seq: number): string {
    return `gw:seen:${device}:${seq}`;
  }

  async claim(keys: string[]): Promise<ClaimResult[]> {
    const claimed = await this.kv.setManyIfAbsent(keys, PENDING, this.options.pendingTtlMs);
    const out: ClaimResult[] = new Array(keys.length);
    const lookups: Array<Promise<void>> = [];
    for (let i = 0; i < keys.length; i++) {
      if (claimed[i]) out[i] = 'new';
      else
        lookups.push(
          // null: the other claim was just released; treat as pending so the client retries.
          this.kv.get(keys[i] as string).then((state) => {
            out[i] = state === STORED ? 'duplicate' : 'pending';
          }),
        );
    }
    if (lookups.length > 0) await Promise.all(lookups);
    return out;
  }

  /** Kafka stored these: remember them for the whole horizon. */
  async commit(keys: string[]): Promise<void> {
    await Promise.all(keys.map((k) => this.kv.set(k, STORED, this.options.horizonMs)));
  }

  /** The produce failed: forget the claims so a retry produces them. */
  async release(keys: string[]): Promise<void> {
    await Promise.all(keys.map((k) => this.kv.del(k)));
  }
}
