import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import type { Logger } from 'pino';
import { SessionLock } from './session-lock.ts';

const SSL_REQUEST = 80877103;
const CANCEL_REQUEST = 80877102;
const GSSENC_REQUEST = 80877104;
/** Largest frontend message accepted; a bigger length prefix closes the connection. */
const MAX_MESSAGE = 64 * 1024 * 1024;
const SYNC = 0x53; // 'S'
const QUERY = 0x51; // 'Q'
const TERMINATE = 0x58; // 'X'

export interface WireServerOptions {
  db: PGlite;
  host?: string;
  port?: number;
  logger?: Logger;
}

/**
 * Serves one PGlite over the PostgreSQL wire protocol to many client
 * connections. PGlite has a single session, so requests are serialised whole:
 * a connection owns the session from its first message to the Sync or simple
 * Query that ends the request, and for the whole of an open transaction.
 * (Interleaving clients message by message lets one client's Bind land on
 * another's Parse; under concurrent transactions answers reach the wrong client.)
 */
export class PgliteWireServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly lock = new SessionLock();
  private nextId = 1;
  /**
   * PGlite's answer to a startup packet (authentication ok, parameter status, key data, ready):
   * it ignores the packet's parameters and answers every startup alike, so after the first one
   * runs in the session, a new connection gets this copy at once instead of queueing for the
   * session behind another client's transaction. Connecting never waits; the first query does.
   */
  private startupReply: Buffer | undefined;

  constructor(private readonly options: WireServerOptions) {}

  async start(): Promise<number> {
    const server = createServer((socket) => this.serve(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private serve(socket: Socket): void {
    const id = this.nextId++;
    const db = this.options.db;
    this.sockets.add(socket);
    socket.setNoDelay(true);
    let buffer: Buffer = Buffer.alloc(0);
    let started = false;
    let closed = false;
    let chain = Promise.resolve();

    // PGlite's answer goes to the socket, or to `into` (the first startup's reply, kept for the next ones).
    const execute = (message: Uint8Array, into?: Buffer[]) =>
      db.runExclusive(() =>
        db.execProtocolRawStream(message, {
          // The chunk is a view into PGlite's memory, reused after this call returns:
          // copy it, or a socket that queues under back-pressure later sends other bytes.
          onRawData: (data) => {
            if (into) into.push(Buffer.from(data));
            else if (!closed) socket.write(Buffer.from(data));
          },
        }),
      );

    const finish = async () => {
      if (closed) return;
      closed = true;
      this.sockets.delete(socket);
      this.lock.forget(id);
      if (this.lock.holder === id) {
        // The client left mid-request or mid-transaction: leave the session clean for the next one.
        if (db.isInTransaction()) await db.exec('ROLLBACK').catch(() => {});
        this.lock.release(id);
      }
    };

    const pump = async () => {
      while (!closed) {
        if (!started) {
          if (buffer.length < 8) return;
          const length = buffer.readInt32BE(0);
          const code = buffer.readInt32BE(4);
          if (length === 8 && (code === SSL_REQUEST || code === GSSENC_REQUEST)) {
            buffer = buffer.subarray(8);
            socket.write('N');
            continue;
          }
          if (length === 16 && code === CANCEL_REQUEST) {
            socket.end();
            await finish();
            return;
          }
          if (length < 8 || length > 10_000) throw new Error(`bad startup packet length ${length}`);
          if (buffer.length < length) return;
          const startup = buffer.subarray(0, length);
          buffer = buffer.subarray(length);
          if (!this.startupReply) {
            await this.lock.acquire(id);
            const reply: Buffer[] = [];
            await execute(startup, reply);
            if (!db.isInTransaction()) this.lock.release(id);
            this.startupReply ??= Buffer.concat(reply);
          }
          if (!closed) socket.write(this.startupReply);
          started = true;
          continue;
        }
        if (buffer.length < 5) return;
        const type = buffer[0] as number;
        const length = buffer.readInt32BE(1);
        if (length < 4 || length > MAX_MESSAGE) throw new Error(`bad message length ${length}`);
        if (buffer.length < length + 1) return;
        const message = buffer.subarray(0, length + 1);
        buffer = buffer.subarray(length + 1);
        if (type === TERMINATE) {
          socket.end();
          await finish();
          return;
        }
        await this.lock.acquire(id);
        if (closed) {
          this.lock.release(id);
          return;
        }
        await execute(message);
        if ((type === SYNC || type === QUERY) && !db.isInTransaction()) this.lock.release(id);
      }
    };

    socket.on('data', (chunk: Buffer) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      chain = chain.then(pump).catch(async (err: unknown) => {
        this.options.logger?.warn(
          { err: (err as Error).message, connection: id },
          'embedded postgres connection closed',
        );
        socket.destroy();
        await finish();
      });
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      chain = chain.then(finish);
    });
  }
}
