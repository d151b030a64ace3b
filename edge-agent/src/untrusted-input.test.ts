import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SUNS_MARKER } from '@ysh/common/sunspec';
import { decodeFrames, encodeFrames } from './buffer/frame.ts';
import type { MqttDevice } from './config/site-config.ts';
import { parseSiteConfig } from './config/site-config.ts';
import { EdgeError, ModbusExceptionError, SiteConfigError } from './errors.ts';
import { mapPayload } from './sources/mqtt-source.ts';
import { discoverSunSpec } from './sunspec/discovery.ts';

const device: MqttDevice = {
  id: 'dl-1',
  transport: 'mqtt',
  broker: 'mqtt://127.0.0.1',
  topic: 't',
  username: undefined,
  password: undefined,
  mapping: { ac_power_w: 'data.pac', ac_energy_wh: 'data.e.total' },
  tsPath: 'ts',
  pollMs: 1000,
  timeoutMs: 1000,
  retries: 0,
};

describe('untrusted input never crashes the agent', () => {
  it('site config: any text gives a config or a SiteConfigError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (text) => {
          try {
            parseSiteConfig(text, 'fuzz.yaml', {});
          } catch (err) {
            expect(err).toBeInstanceOf(SiteConfigError);
            expect((err as SiteConfigError).problems.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('MQTT device payloads: anything gives metrics of finite numbers or nothing', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify({ data: v, ts: v })),
        ),
        (text) => {
          const mapped = mapPayload(device, text);
          if (mapped) for (const v of Object.values(mapped.metrics)) expect(Number.isFinite(v)).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('SunSpec discovery: any register content after SunS ends in a result or a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 600 }), async (words) => {
        const regs = [...SUNS_MARKER, ...words];
        const read = async (address: number, length: number) => {
          const from = address - 40000;
          if (from < 0 || from >= regs.length) throw new ModbusExceptionError('illegal address', 2);
          return regs.slice(from, from + length);
        };
        try {
          const d = await discoverSunSpec(read, { base: 40000 });
          expect(d.polled.length).toBeGreaterThan(0);
        } catch (err) {
          expect(err).toBeInstanceOf(EdgeError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('buffer frames: random bytes decode to whole records or stop, never throw', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }),
        fc.uint8Array({ maxLength: 64 }),
        (items, junk) => {
          const good = encodeFrames(items.map((i) => Buffer.from(i)));
          const decoded = decodeFrames(Buffer.concat([good, Buffer.from(junk)]), Number.MAX_SAFE_INTEGER);
          expect(decoded.consumed).toBeGreaterThanOrEqual(good.length);
          expect(decoded.items.slice(0, items.length).map((b) => [...b])).toEqual(items.map((i) => [...i]));
        },
      ),
      { numRuns: 500 },
    );
  });
});
