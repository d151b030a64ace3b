import net from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultDevice } from '../device/device-spec.ts';
import { SimulatedDevice } from '../device/simulated-device.ts';
import { startSimulator, type Simulator } from '../simulator.ts';
import { closeClient, connectClient } from '../test-support/modbus-client.ts';
import { answerPdu } from './pdu.ts';
import { crc16 } from './rtu-server.ts';

describe('property: request PDUs from a peer never throw', () => {
  const device = new SimulatedDevice(defaultDevice(1), 1, Date.parse('2026-11-21T15:00:00Z'), 1000);
  it('answers every PDU with a reply or silence, exceptions flagged with 0x80', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 260 }), fc.constantFrom(0, 40000, 50000), (pdu, base) => {
        const a = answerPdu(device, Buffer.from(pdu), { now: () => device.t0, base });
        expect(a.kind).toBe('reply');
        if (a.kind !== 'reply') return;
        const fcode = pdu[0] ?? 0;
        if (fcode === 3 || fcode === 4) expect(a.pdu[0] === fcode || a.pdu[0] === (fcode | 0x80)).toBe(true);
        else expect(a.pdu[0]).toBe((fcode | 0x80) & 0xff);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('property: random bytes on the Modbus TCP port never take the server down', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ devices: 2, port: 0, speed: 0, start: Date.parse('2026-11-21T15:00:00Z') });
  });
  afterAll(() => sim.close());

  const send = (bytes: Uint8Array) =>
    new Promise<void>((resolve) => {
      const sock = net.connect({ port: sim.ports[0]!, host: '127.0.0.1' }, () => {
        sock.end(Buffer.from(bytes));
      });
      sock.on('data', () => {});
      sock.on('error', () => resolve());
      sock.on('close', () => resolve());
      setTimeout(() => {
        sock.destroy();
        resolve();
      }, 200);
    });

  it('keeps serving correct answers after garbage and half frames', async () => {
    const mbapish = fc
      .tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 300 }), fc.uint8Array({ maxLength: 300 }))
      .map(([tid, len, rest]) => {
        const b = Buffer.alloc(6 + rest.length);
        b.writeUInt16BE(tid, 0);
        b.writeUInt16BE(0, 2);
        b.writeUInt16BE(len, 4);
        Buffer.from(rest).copy(b, 6);
        return new Uint8Array(b);
      });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 600 }), mbapish), async (bytes) => {
        await send(bytes);
      }),
      { numRuns: 60 },
    );
    const client = await connectClient(sim.ports[0]!, 2);
    try {
      expect((await client.readHoldingRegisters(40000, 2)).data).toEqual([0x5375, 0x6e53]);
    } finally {
      await closeClient(client);
    }
  });
});

describe('crc16', () => {
  it('matches the Modbus specification example (01 03 00 00 00 0A → C5CD)', () => {
    // Read 10 holding registers from unit 1 at address 0: CRC bytes on the wire C5 CD.
    expect(crc16(Buffer.from([0x01, 0x03, 0x00, 0x00, 0x00, 0x0a]))).toBe(0xcdc5);
  });
});
