import { type Server, type Socket, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { Connection, type ConnectionLimits } from './connection.ts';
import type { Control } from './control.ts';
import type { ApiHandler, BrokerState } from './handlers/types.ts';

export interface ServerOptions extends ConnectionLimits {
  host: string;
  port: number;
  /** Connections silent for this long are closed (half-open peers). */
  idleTimeoutMs: number;
}

/** The TCP listener: one Connection per socket, all sharing the broker state. */
export class KafkaServer {
  private readonly server: Server;
  private readonly connections = new Set<Connection>();
  private readonly byKey: Map<number, ApiHandler>;

  constructor(
    private readonly state: BrokerState,
    private readonly control: Control,
    private readonly options: ServerOptions,
    private readonly logger: Logger,
  ) {
    this.byKey = new Map(state.handlers.map((h) => [h.apiKey, h]));
    this.server = createServer((socket) => this.accept(socket));
    this.server.on('error', (err) => logger.error({ err }, 'listener error'));
  }

  private accept(socket: Socket): void {
    if (this.state.closing) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    socket.setTimeout(this.options.idleTimeoutMs, () => {
      this.logger.info({ client: socket.remoteAddress }, 'closing idle connection');
      socket.destroy();
    });
    const conn = new Connection(socket, this.state, this.byKey, this.control, this.options, this.logger);
    this.connections.add(conn);
    this.state.metrics.connections.inc();
    this.state.metrics.connectionsTotal.inc();
    socket.on('close', () => {
      this.connections.delete(conn);
      this.state.metrics.connections.dec();
    });
  }

  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const c of this.connections) c.close();
    });
  }
}
