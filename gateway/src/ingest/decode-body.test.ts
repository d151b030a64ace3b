import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors.ts';
import { decodeBody } from './decode-body.ts';

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e as GatewayError).code,
  );

describe('decodeBody', () => {
  it('parses plain and gzip JSON', async () => {
    const value = { v: 1, readings: [1, 2, 3] };
    expect(await decodeBody(Buffer.from(JSON.stringify(value)), undefined, 1e6)).toEqual(value);
    expect(await decodeBody(gzipSync(JSON.stringify(value)), 'gzip', 1e6)).toEqual(value);
  });

  it('stops a gzip bomb at the decompressed-size cap', async () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(100 * 1024);
    expect(await code(decodeBody(bomb, 'gzip', 1024 * 1024))).toBe('GW_DECOMPRESSED_TOO_LARGE');
  });

  it('names what is wrong: bad gzip, bad JSON, unknown encoding', async () => {
    expect(await code(decodeBody(Buffer.from('not gzip'), 'gzip', 1e6))).toBe('GW_BAD_ENCODING');
    expect(await code(decodeBody(Buffer.from('{"v":1,'), undefined, 1e6))).toBe('GW_MALFORMED_JSON');
    expect(await code(decodeBody(Buffer.from('{}'), 'br', 1e6))).toBe('GW_UNSUPPORTED_MEDIA_TYPE');
  });

  it('never throws anything but a GatewayError, whatever the bytes (fuzz)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 2048 }),
        fc.constantFrom(undefined, 'gzip', 'identity', 'x'),
        async (bytes, enc) => {
          try {
            await decodeBody(Buffer.from(bytes), enc, 64 * 1024);
          } catch (err) {
            expect(err).toBeInstanceOf(GatewayError);
            expect((err as GatewayError).httpStatus).toBeLessThan(500);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
