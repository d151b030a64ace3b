import ModbusRTU from 'modbus-serial';
import type { Logger } from '@ysh/common';
import { ModbusExceptionError, ModbusIoError, ModbusTimeoutError } from '../errors.ts';

export type ConnectionTarget =
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'rtu'; path: string; baud: number; parity: 'none' | 'even' | 'odd'; dataBits: number; stopBits: number };

interface Fc3Client {
  isOpen: boolean;
  /** modbus-serial's pending-transaction table, keyed by MBAP transaction id. */
  _transactions?: Record<number, unknown>;
  _port?: { _transactionIdWrite?: number };
  setTimeout(ms: number): void;
  writeFC3(
    unit: number,
    address: number,
    length: number,
    next: (err: (Error & { modbusCode?: number; errno?: string }) | null, res?: { data: number[] }) => void,
  ): void;
  close(cb: () => void): void;
  on(event: string, fn: (...args: unknown[]) => void): void;
  connectTCP(host: string, opts: { port: number }): Promise<void>;
  connectRTUBuffered(path: string, opts: Record<string, unknown>): Promise<void>;
}

export function describeTarget(t: ConnectionTarget): string {
  return t.kind === 'tcp' ? `${t.host}:${t.port}` : t.path;
}

/**
 * One Modbus master connection (a TCP socket or a serial port) shared by every
 * device on a bus; requests name their unit id explicitly, so devices never
 * race on client state. Reconnects lazily after the connection dropped, no
 * more often than `reconnectMs`.
 */
export class ModbusConnection {
  readonly target: ConnectionTarget;
  private client: Fc3Client | undefined;
  private connecting: Promise<Fc3Client> | undefined;
  private lastAttempt = 0;
  private readonly reconnectMs: number;
  private readonly logger: Logger | undefined;
  private closed = false;
  /** Requests sent on this connection (metrics). */
  requests = 0;

  constructor(target: ConnectionTarget, options: { reconnectMs?: number; logger?: Logger } = {}) {
    this.target = target;
    this.reconnectMs = options.reconnectMs ?? 1000;
    this.logger = options.logger;
  }

  private async connect(): Promise<Fc3Client> {
    if (this.client?.isOpen) return this.client;
    this.connecting ??= (async () => {
      const wait = this.lastAttempt + this.reconnectMs - Date.now();
      if (wait > 0) throw new ModbusIoError(`${describeTarget(this.target)}: not connected (retrying in ${wait} ms)`);
      this.lastAttempt = Date.now();
      const client = new (ModbusRTU as unknown as new () => Fc3Client)();
      client.on('error', (err) => this.logger?.debug({ err, bus: describeTarget(this.target) }, 'modbus port error'));
      try {
        if (this.target.kind === 'tcp') await client.connectTCP(this.target.host, { port: this.target.port });
        else
          await client.connectRTUBuffered(this.target.path, {
            baudRate: this.target.baud,
            parity: this.target.parity,
            dataBits: this.target.dataBits,
            stopBits: this.target.stopBits,
          });
      } catch (err) {
        throw new ModbusIoError(`${describeTarget(this.target)}: cannot connect: ${(err as Error).message}`, err);
      }
      if (this.closed) {
        client.close(() => undefined);
        throw new ModbusIoError(`${describeTarget(this.target)}: connection closed`);
      }
      this.client = client;
      this.logger?.info({ bus: describeTarget(this.target) }, 'modbus connected');
      return client;
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** FC3 read of `length` holding registers; typed errors for timeout, exception and I/O. */
  async readHolding(unit: number, address: number, length: number, timeoutMs: number): Promise<number[]> {
    const client = await this.connect();
    this.requests++;
    return new Promise((resolve, reject) => {
      client.setTimeout(timeoutMs);
      const tid = client._port?._transactionIdWrite;
      client.writeFC3(unit, address, length, (err, res) => {
        // modbus-serial never removes finished transactions: at thousands of reads per
        // second its table fills all 65,536 ids (tens of MB per connection). Drop ours.
        if (tid !== undefined && client._transactions) delete client._transactions[tid];
        if (!err && res) return resolve(res.data);
        const where = `${describeTarget(this.target)} unit ${unit} @${address}+${length}`;
        if (err?.modbusCode !== undefined) {
          return reject(new ModbusExceptionError(`${where}: exception ${err.modbusCode}`, err.modbusCode, err));
        }
        if (err?.errno === 'ETIMEDOUT' || err?.name === 'TransactionTimedOutError') {
          return reject(new ModbusTimeoutError(`${where}: no answer within ${timeoutMs} ms`, err));
        }
        if (!client.isOpen) this.client = undefined;
        reject(new ModbusIoError(`${where}: ${err?.message ?? 'no data'}`, err));
      });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    if (client?.isOpen) await new Promise<void>((resolve) => client.close(() => resolve()));
  }
}
