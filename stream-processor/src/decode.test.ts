import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbReading } from '@ysh/test-helpers';
import {
  addReading,
  deserializeWindow,
  emptyWindow,
  serializeWindow,
  windowResult,
} from './aggregates/window-aggregate.ts';
import { decodeReading } from './decode.ts';

describe('decodeReading (untrusted Kafka message values)', () => {
  it('never throws, whatever bytes arrive, and names the field it rejects', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.uint8Array().map((a) => Buffer.from(a)),
          fc.json(),
        ),
        (value) => {
          const d = decodeReading(value);
          if (!d.ok) expect(d.error).toMatch(/^(empty message$|not JSON: |(\(root\)|v|site|device|seq|metrics|ts): )/);
        },
      ),
      { numRuns: 500 },
    );
    expect(decodeReading(null)).toEqual({ ok: false, error: 'empty message' });
    expect(decodeReading('{"v":1,"site":"s","device":"d","seq":-1,"metrics":{},"ts":"x"}')).toEqual({
      ok: false,
      error: 'seq: must be a non-negative integer',
    });
  });

  it('accepts every valid contract reading and returns its event time', () => {
    fc.assert(
      fc.property(arbReading(), (r) => {
        const d = decodeReading(Buffer.from(JSON.stringify(r)));
        expect(d.ok && d.ts === Date.parse(r.ts) && d.reading.seq === r.seq).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('stored window state', () => {
  it('round-trips: a restored window gives the same result and keeps deduplicating', () => {
    fc.assert(
      fc.property(fc.array(arbReading(), { minLength: 1, maxLength: 20 }), (readings) => {
        const acc = emptyWindow(0);
        for (const [i, r] of readings.entries()) addReading(acc, { ...r, seq: i }, Date.parse(r.ts));
        const back = deserializeWindow(serializeWindow(acc));
        expect(windowResult('s', 'd', back, 300_000, 10_000)).toEqual(windowResult('s', 'd', acc, 300_000, 10_000));
        expect(addReading(back, { ...(readings[0] as (typeof readings)[0]), seq: 0 }, 0)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
