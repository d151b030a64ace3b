import { SerialPort } from 'serialport';
import type { SimulatedDevice } from '../device/simulated-device.ts';
import { answerPdu, type ServeContext } from './pdu.ts';

/** CRC-16/MODBUS (poly 0xA001 reflected, init 0xFFFF), sent low byte first. */
export function crc16(buf: Uint8Array, end = buf.length): number {
  let crc = 0xffff;
  for (let i = 0; i < end; i++) {
    crc ^= buf[i] ?? 0;
    for (let b = 0; b < 8; b++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

/** Length of the request frame that starts `buf`, when its function code tells (undefined = need more bytes or unknown). */
function requestLength(buf: Buffer): number | undefined {
  const fc = buf[1];
  if (fc === undefined) return undefined;
  if (fc >= 1 && fc <= 6) return 8;
  if (fc === 15 || fc === 16) return buf.length >= 7 ? 9 + (buf[6] ?? 0) : undefined;
  return undefined;
}

export interface ModbusRtuServer {
  path: string;
  stats: { requests: number; responses: number; crcErrors: number };
  close(): Promise<void>;
}

/**
 * Modbus RTU slave(s) on a serial port (serialport; a socat pty pair in tests).
 * One request at a time, as on an RS-485 bus: a slow device delays the bus.
 * Unknown unit ids and broadcasts get no answer; frames with a bad CRC are
 * skipped byte by byte until the stream resynchronises.
 */
export async function startModbusRtuServer(options: {
  path: string;
  baudRate?: number;
  lookup: (unitId: number) => SimulatedDevice | undefined;
  ctx: ServeContext;
}): Promise<ModbusRtuServer> {
  const port = new SerialPort({ path: options.path, baudRate: options.baudRate ?? 9600, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  const stats = { requests: 0, responses: 0, crcErrors: 0 };
  let pending: Buffer = Buffer.alloc(0);
  let bus: Promise<void> = Promise.resolve();
  let closed = false;
  const timers = new Set<NodeJS.Timeout>();
  let flushTimer: NodeJS.Timeout | undefined;

  const handle = (frame: Buffer): Promise<void> => {
    const unit = frame[0] ?? 0;
    const device = unit === 0 ? undefined : options.lookup(unit);
    stats.requests++;
    if (!device) return Promise.resolve();
    const answer = answerPdu(device, frame.subarray(1, frame.length - 2), options.ctx);
    if (answer.kind === 'silent') return Promise.resolve();
    const out = Buffer.allocUnsafe(answer.pdu.length + 3);
    out[0] = unit;
    answer.pdu.copy(out, 1);
    out.writeUInt16LE(crc16(out, out.length - 2), out.length - 2);
    return new Promise<void>((resolve) => {
      const send = () => {
        if (!closed) {
          stats.responses++;
          port.write(out);
        }
        resolve();
      };
      if (answer.delayMs > 0) {
        const t = setTimeout(() => {
          timers.delete(t);
          send();
        }, answer.delayMs);
        timers.add(t);
      } else send();
    });
  };

  port.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    for (;;) {
      if (pending.length < 4) break;
      const len = requestLength(pending);
      if (len === undefined) {
        if (pending.length >= 8 || (pending[1] ?? 0) > 16) {
          pending = pending.subarray(1); // unknown function code: resynchronise
          continue;
        }
        break;
      }
      if (pending.length < len) break;
      const frame = pending.subarray(0, len);
      if (crc16(frame, len - 2) !== frame.readUInt16LE(len - 2)) {
        stats.crcErrors++;
        pending = pending.subarray(1);
        continue;
      }
      pending = pending.subarray(len);
      const copy = Buffer.from(frame);
      bus = bus.then(() => handle(copy));
    }
    // A partial frame that never completes (line noise) is dropped after a silence.
    if (flushTimer) clearTimeout(flushTimer);
    if (pending.length > 0) {
      flushTimer = setTimeout(() => {
        pending = Buffer.alloc(0);
      }, 500);
    }
  });
  port.on('error', () => {});

  return {
    path: options.path,
    stats,
    async close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      if (flushTimer) clearTimeout(flushTimer);
      if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    },
  };
}
