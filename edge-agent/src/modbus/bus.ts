import type { ModbusConnection } from './connection.ts';

/**
 * A physical bus: one connection and a limit on requests in flight (an RS-485
 * line carries exactly one; a Modbus TCP host:port as configured). Waiters are
 * served first come, first served, so a slow device delays its bus only by the
 * time its own request holds a slot.
 */
export class Bus {
  readonly key: string;
  readonly connection: ModbusConnection;
  private readonly limit: number;
  private inFlight = 0;
  private readonly waiters: (() => void)[] = [];
  /** Highest number of requests seen in flight at once (tests assert the limit). */
  maxObserved = 0;

  constructor(key: string, connection: ModbusConnection, limit: number) {
    this.key = key;
    this.connection = connection;
    this.limit = Math.max(1, limit);
  }

  get queued(): number {
    return this.waiters.length;
  }

  async run<T>(fn: (connection: ModbusConnection) => Promise<T>): Promise<T> {
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
