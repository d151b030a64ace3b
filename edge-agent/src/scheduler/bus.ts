/** What a bus needs from the connection it shares: a request count (metrics) and a way to close it. */
export interface BusConnection {
  readonly requests: number;
  close(): Promise<void>;
}

/**
 * A physical bus: one connection and a limit on requests in flight (an RS-485
 * line carries exactly one; a Modbus TCP host:port as configured). Waiters are
 * served first come, first served, so a slow device delays its bus only by the
 * time its own request holds a slot. Protocol-neutral: the source that declared
 * the bus decides what its connection is.
 */
export class Bus<C extends BusConnection = BusConnection> {
  readonly key: string;
  readonly connection: C;
  private readonly limit: number;
  private inFlight = 0;
  private readonly waiters: (() => void)[] = [];
  /** Highest number of requests seen in flight at once (tests assert the limit). */
  maxObserved = 0;

  constructor(key: string, connection: C, limit: number) {
    this.key = key;
    this.connection = connection;
    this.limit = Math.max(1, limit);
  }

  get queued(): number {
    return this.waiters.length;
  }

  async run<T>(fn: (connection: C) => Promise<T>): Promise<T> {
    if (this.inFlight >= this.limit) await new Promise<void>((resolve) => this.waiters.push(resolve));
    else this.inFlight++;
    if (this.inFlight > this.maxObserved) this.maxObserved = this.inFlight;
    try {
      return await fn(this.connection);
    } finally {
      const next = this.waiters.shift();
      if (next) next();
      else this.inFlight--;
    }
  }
}
