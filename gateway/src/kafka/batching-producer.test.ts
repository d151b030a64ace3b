import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors.ts';
import { BatchingProducer, type OutMessage, ProduceError, type SendBatch } from './batching-producer.ts';

const msg = (i: number, size = 10): OutMessage => ({ topic: 't', key: `d${i}`, value: 'x'.repeat(size) });
const base = {
  maxInFlightBytes: 10_000,
  maxRequestBytes: 100_000,
  lingerMs: 1,
  produceTimeoutMs: 1000,
  retryAfterSeconds: 3,
};

function gate() {
  let open!: () => void;
  let fail!: (e: Error) => void;
  const p = new Promise<void>((res, rej) => {
    open = res;
    fail = rej;
  });
  return { p, open, fail };
}

describe('BatchingProducer', () => {
  it('coalesces requests that arrive while a produce is out into one next produce', async () => {
    const calls: number[] = [];
    const first = gate();
    let n = 0;
    const send: SendBatch = async (tm) => {
      calls.push(tm.reduce((s, t) => s + t.messages.length, 0));
      if (n++ === 0) await first.p;
    };
    const p = new BatchingProducer(send, base);
    const a = p.produce([msg(1)]);
    await new Promise((r) => setTimeout(r, 10));
    const rest = Array.from({ length: 5 }, (_, i) => p.produce([msg(i + 2), msg(i + 20)]));
    first.open();
    await Promise.all([a, ...rest]);
    expect(calls).toEqual([1, 10]);
    expect(p.inFlightBytes).toBe(0);
  });

  it('groups messages by topic and keeps the key', async () => {
    let seen: unknown;
    const p = new BatchingProducer(async (tm) => {
      seen = tm;
    }, base);
    await Promise.all([
      p.produce([{ topic: 'a', key: 'k1', value: 'v1' }]),
      p.produce([
        { topic: 'b', key: 'k2', value: 'v2' },
        { topic: 'a', key: 'k3', value: 'v3' },
      ]),
    ]);
    expect(seen).toEqual([
      {
        topic: 'a',
        messages: [
          { key: 'k1', value: 'v1' },
          { key: 'k3', value: 'v3' },
        ],
      },
      { topic: 'b', messages: [{ key: 'k2', value: 'v2' }] },
    ]);
  });

  it('refuses with GW_BACKPRESSURE once the in-flight byte bound is reached, and recovers', async () => {
    const g = gate();
    const p = new BatchingProducer(() => g.p, { ...base, maxInFlightBytes: 500 });
    const a = p.produce([msg(1, 300)]);
    const refused = await p.produce([msg(2, 300)]).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GatewayError);
    expect((refused as GatewayError).code).toBe('GW_BACKPRESSURE');
    expect((refused as GatewayError).retryAfterSeconds).toBe(3);
    g.open();
    await a;
    await expect(p.produce([msg(3, 300)])).resolves.toBeUndefined();
  });

  it('rejects every job of a failed produce with GW_KAFKA_UNAVAILABLE and releases their bytes', async () => {
    const p = new BatchingProducer(async () => {
      throw new Error('broker gone');
    }, base);
    const results = await Promise.allSettled([p.produce([msg(1)]), p.produce([msg(2)])]);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect(((r as PromiseRejectedResult).reason as GatewayError).code).toBe('GW_KAFKA_UNAVAILABLE');
      expect(((r as PromiseRejectedResult).reason as GatewayError).message).toContain('broker gone');
    }
    await new Promise((r) => setTimeout(r, 5));
    expect(p.inFlightBytes).toBe(0);
  });

  it('answers GW_KAFKA_UNAVAILABLE at the produce timeout but holds the bytes until Kafka really settles', async () => {
    const g = gate();
    const p = new BatchingProducer(() => g.p, { ...base, produceTimeoutMs: 30 });
    const err = await p.produce([msg(1)]).catch((e: unknown) => e);
    expect((err as GatewayError).code).toBe('GW_KAFKA_UNAVAILABLE');
    expect(p.inFlightBytes).toBeGreaterThan(0);
    g.open();
    await new Promise((r) => setTimeout(r, 5));
    expect(p.inFlightBytes).toBe(0);
  });

  it('splits a large queue into requests no bigger than maxRequestBytes', async () => {
    const sizes: number[] = [];
    const g = gate();
    let n = 0;
    const p = new BatchingProducer(
      async (tm) => {
        sizes.push(tm[0]?.messages.length ?? 0);
        if (n++ === 0) await g.p;
      },
      { ...base, maxRequestBytes: 200 },
    );
    const first = p.produce([msg(0, 10)]);
    const more = Array.from({ length: 6 }, (_, i) => p.produce([msg(i, 60)]));
    g.open();
    await Promise.all([first, ...more]);
    expect(sizes.length).toBeGreaterThanOrEqual(4);
    expect(sizes.every((s) => s <= 2)).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(7);
  });

  it('spreads messages over lanes by partition and reports which messages a partly failed job did store', async () => {
    const seen: string[][] = [[], []];
    const lane =
      (i: number, fail: boolean): SendBatch =>
      async (tm) => {
        for (const t of tm) for (const m of t.messages) seen[i]?.push(String(m.key));
        if (fail) throw new Error(`lane ${i} down`);
      };
    const laneOf = (m: OutMessage) => Number(m.key.slice(1)) % 2;
    const ok = new BatchingProducer([lane(0, false), lane(1, false)], { ...base, laneOf });
    await ok.produce([msg(0), msg(1), msg(2), msg(3)]);
    expect(seen).toEqual([
      ['d0', 'd2'],
      ['d1', 'd3'],
    ]);

    const half = new BatchingProducer([lane(0, false), lane(1, true)], { ...base, laneOf });
    const err = await half.produce([msg(0), msg(1), msg(2), msg(3)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProduceError);
    expect((err as ProduceError).code).toBe('GW_KAFKA_UNAVAILABLE');
    expect([...(err as ProduceError).stored].sort()).toEqual([0, 2]);
  });
});
