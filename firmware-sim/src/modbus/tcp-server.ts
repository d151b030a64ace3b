import net from 'node:net';
import type { SimulatedDevice } from '../device/simulated-device.ts';
import { answerPdu, EXCEPTION, exceptionPdu, type ServeContext } from './pdu.ts';

const MBAP = 7;

export interface TcpServerStats {
  requests: number;
  responses: number;
  exceptions: number;
  dropped: number;
}

export interface ModbusTcpServer {
  port: number;
  stats: TcpServerStats;
  close(): Promise<void>;
}

/**
 * Modbus TCP (MBAP framing) serving many unit ids on one port. `lookup`
 * returns the device behind a unit id; an unknown unit id gets exception 0x0B
 * (gateway target failed to respond), as a Modbus gateway answers. Malformed
 * framing (protocol id ≠ 0, length outside 2..254) closes that connection only.
 */
export async function startModbusTcpServer(options: {
  host: string;
  port: number;
  lookup: (unitId: number) => SimulatedDevice | undefined;
  ctx: ServeContext;
}): Promise<ModbusTcpServer> {
  const stats: TcpServerStats = { requests: 0, responses: 0, exceptions: 0, dropped: 0 };
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server = net.createServer({ noDelay: true }, (sock) => {
    sockets.add(sock);
    let pending: Buffer = Buffer.alloc(0);
    sock.on('error', () => sock.destroy());
    sock.on('close', () => sockets.delete(sock));
    sock.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let at = 0;
      const out: Buffer[] = [];
      while (pending.length - at >= MBAP) {
        const protocol = pending.readUInt16BE(at + 2);
        const length = pending.readUInt16BE(at + 4);
        if (protocol !== 0 || length < 2 || length > 254) {
          sock.destroy();
          return;
        }
        if (pending.length - at < 6 + length) break;
        const tid = pending.readUInt16BE(at);
        const unit = pending[at + 6] ?? 0;
        const pdu = pending.subarray(at + MBAP, at + 6 + length);
        at += 6 + length;
        stats.requests++;
        const device = options.lookup(unit);
        const answer = device
          ? answerPdu(device, pdu, options.ctx)
          : ({ kind: 'reply', pdu: exceptionPdu(pdu[0] ?? 0, EXCEPTION.GATEWAY_TARGET_FAILED), delayMs: 0 } as const);
        if (answer.kind === 'silent') {
          stats.dropped++;
          continue;
        }
        const frame = Buffer.allocUnsafe(MBAP + answer.pdu.length);
        frame.writeUInt16BE(tid, 0);
        frame.writeUInt16BE(0, 2);
        frame.writeUInt16BE(answer.pdu.length + 1, 4);
        frame[6] = unit;
        answer.pdu.copy(frame, MBAP);
        const isException = ((answer.pdu[0] ?? 0) & 0x80) !== 0;
        // Counted when written: a delayed answer to a connection closed meanwhile is never sent.
        const count = () => {
          stats.responses++;
          if (isException) stats.exceptions++;
        };
        if (answer.delayMs > 0) {
          const timer = setTimeout(() => {
            timers.delete(timer);
            if (sock.destroyed) return;
            count();
            sock.write(frame);
          }, answer.delayMs);
          timers.add(timer);
        } else {
          count();
          out.push(frame);
        }
      }
      pending = at >= pending.length ? Buffer.alloc(0) : Buffer.from(pending.subarray(at));
      if (out.length === 1) sock.write(out[0] as Buffer);
      else if (out.length > 1) sock.write(Buffer.concat(out));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    port,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
