import type { SimulatedDevice } from '../device/simulated-device.ts';

/** Modbus exception codes the simulator answers with. */
export const EXCEPTION = {
  ILLEGAL_FUNCTION: 0x01,
  ILLEGAL_DATA_ADDRESS: 0x02,
  ILLEGAL_DATA_VALUE: 0x03,
  SERVER_DEVICE_FAILURE: 0x04,
  GATEWAY_TARGET_FAILED: 0x0b,
} as const;

export const MAX_READ_REGISTERS = 125;

export type Answer = { kind: 'reply'; pdu: Buffer; delayMs: number } | { kind: 'silent' };

export interface ServeContext {
  /** Simulated time now. */
  now(): number;
  /** Register address of the `SunS` marker (40000, 0 or 50000). */
  base: number;
}

export function exceptionPdu(fc: number, code: number): Buffer {
  return Buffer.from([(fc | 0x80) & 0xff, code & 0xff]);
}

/**
 * Answers one request PDU (function code + data) for one device: functions 3
 * and 4 read the same SunSpec map. Faults decide whether and when it answers.
 * Never throws on what a peer sends.
 */
export function answerPdu(device: SimulatedDevice, pdu: Buffer, ctx: ServeContext): Answer {
  const comm = device.hasFault('comm-loss');
  if (comm) return { kind: 'silent' };
  const slow = device.hasFault('slow-response');
  const delayMs = slow?.type === 'slow-response' ? slow.delayMs : 0;
  const fc = pdu[0] ?? 0;
  const reply = (out: Buffer): Answer => ({ kind: 'reply', pdu: out, delayMs });
  const forced = device.hasFault('modbus-exception');
  if (forced?.type === 'modbus-exception') return reply(exceptionPdu(fc, forced.code));
  if (fc !== 3 && fc !== 4) return reply(exceptionPdu(fc, EXCEPTION.ILLEGAL_FUNCTION));
  if (pdu.length < 5) return reply(exceptionPdu(fc, EXCEPTION.ILLEGAL_DATA_VALUE));
  const address = pdu.readUInt16BE(1);
  const quantity = pdu.readUInt16BE(3);
  if (quantity < 1 || quantity > MAX_READ_REGISTERS) return reply(exceptionPdu(fc, EXCEPTION.ILLEGAL_DATA_VALUE));
  const regs = device.registers(ctx.now());
  const from = address - ctx.base;
  if (from < 0 || from + quantity > regs.length) return reply(exceptionPdu(fc, EXCEPTION.ILLEGAL_DATA_ADDRESS));
  const out = Buffer.allocUnsafe(2 + quantity * 2);
  out[0] = fc;
  out[1] = quantity * 2;
  for (let i = 0; i < quantity; i++) out.writeUInt16BE(regs[from + i] ?? 0, 2 + i * 2);
  return reply(out);
}
