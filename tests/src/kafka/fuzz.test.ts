import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import fc from 'fast-check';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomTopic, startTestBroker, type TestBroker, waitFor } from '@ysh/test-helpers';
import { produceRequest } from '@ysh/embedded/kafka/protocol/apis/produce.ts';
import { writeRequestHeader } from '@ysh/embedded/kafka/protocol/header.ts';
import { encodeBatch } from '@ysh/embedded/kafka/protocol/records.ts';
import { codecFor } from '@ysh/embedded/kafka/protocol/schema.ts';
import { Writer } from '@ysh/embedded/kafka/protocol/writer.ts';
import { ApiKey } from '@ysh/embedded/kafka';
import fixture from './fixtures/librdkafka-requests.json' with { type: 'json' };

const MAX_FRAME = 1024 * 1024;
const API_KEYS = [0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 19, 20, 22];
const golden = fixture.frames.map((f) => Buffer.from(f.hex, 'hex'));

function framed(body: Uint8Array, size = body.length): Buffer {
  const out = Buffer.alloc(4 + body.length);
  out.writeInt32BE(size, 0);
  out.set(body, 4);
  return out;
}

/** Sends raw bytes on a fresh connection; reports whether the broker closed it and what came back. */
function sendRaw(broker: TestBroker, bytes: Buffer, waitMs = 12): Promise<{ closed: boolean; received: number }> {
  return new Promise((resolve) => {
    const socket: Socket = connect(broker.port, broker.host);
    let received = 0;
    let closed = false;
    socket.on('data', (d) => {
      received += d.length;
    });
    socket.on('error', () => {});
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ closed, received });
    }, waitMs);
    socket.on('close', () => {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      resolve({ closed, received });
    });
    socket.on('connect', () => socket.write(bytes));
  });
}

function mutate(frame: Buffer, edits: { at: number; kind: number; value: number }[]): Buffer {
  let out = Buffer.from(frame);
  for (const e of edits) {
    const at = e.at % Math.max(1, out.length);
    switch (e.kind % 4) {
      case 0:
        out[at] = e.value;
        break;
      case 1:
        out = out.subarray(0, at);
        break;
      case 2:
        out = Buffer.concat([out.subarray(0, at), Buffer.from([e.value, e.value, e.value, e.value]), out.subarray(at)]);
        break;
      default:
        out.fill(0xff, at, Math.min(out.length, at + 4));
    }
  }
  return out;
}

/**
 * A real kafkajs client on fresh connections produces one message (acks=-1) to a
 * new topic and fetches it back: what each fuzz test proves after its own frames.
 */
async function roundTrip(broker: TestBroker): Promise<void> {
  const kafka = new Kafka({ brokers: [broker.brokers], clientId: 'fuzz-probe', logLevel: logLevel.NOTHING });
  const topic = randomTopic('fuzz-probe');
  const value = randomUUID();
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  try {
    const [meta] = await producer.send({ topic, acks: -1, messages: [{ key: 'probe', value }] });
    expect(meta?.errorCode).toBe(0);
  } finally {
    await producer.disconnect();
  }
  const consumer = kafka.consumer({ groupId: randomTopic('fuzz-probe'), maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const fetched = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the probe message on ${topic} was not fetched back`)), 30_000);
      consumer
        .run({
          eachMessage: async ({ message }) => {
            clearTimeout(timer);
            resolve(String(message.value));
          },
        })
        .catch(reject);
    });
    expect(fetched).toBe(value);
  } finally {
    await consumer.disconnect();
  }
}

describe('hostile peers and fuzzed frames against a live broker', () => {
  let broker: TestBroker;
  let kafka: Kafka;
  const topic = randomTopic('fuzz-survivor');
  let produced = 0;
  let stopTraffic = false;
  let traffic: Promise<void>;
  let trafficError: unknown;

  beforeAll(async () => {
    broker = await startTestBroker({ maxFrameBytes: MAX_FRAME, idleTimeoutMs: 1500 });
    kafka = new Kafka({ brokers: [broker.brokers], clientId: 'well-behaved', logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    // A well-behaved client keeps producing while the fuzzers run; if it fails, the test running then fails.
    traffic = (async () => {
      try {
        while (!stopTraffic) {
          await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: `m${produced}` }] });
          produced++;
          await new Promise((r) => setTimeout(r, 5));
        }
      } catch (err) {
        trafficError = err;
      } finally {
        await producer.disconnect();
      }
    })();
  });
  afterEach(() => {
    expect(trafficError, 'the well-behaved producer failed').toBeUndefined();
  });
  afterAll(async () => {
    stopTraffic = true;
    await traffic;
    await broker.stop();
    expect(trafficError, 'the well-behaved producer failed').toBeUndefined();
  });

  /** After a fuzz run: the broker is up, the background producer kept going, a fresh client round-trips. */
  async function stillServes(producedBefore: number): Promise<void> {
    expect(broker.state.closing).toBe(false);
    await roundTrip(broker);
    await waitFor(
      'the well-behaved producer to make progress',
      () => trafficError !== undefined || produced > producedBefore,
    );
    expect(trafficError, 'the well-behaved producer failed').toBeUndefined();
  }

  it('survives random frames', async () => {
    const before = produced;
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 600 }), async (body) => {
        await sendRaw(broker, framed(body));
      }),
      { numRuns: 120 },
    );
    await stillServes(before);
  });

  it('survives frames with a real header and a random body', async () => {
    const before = produced;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...API_KEYS),
        fc.integer({ min: -1, max: 14 }),
        fc.uint8Array({ maxLength: 300 }),
        async (apiKey, version, body) => {
          const header = Buffer.alloc(10);
          header.writeInt16BE(apiKey, 0);
          header.writeInt16BE(version, 2);
          header.writeInt32BE(7, 4);
          header.writeInt16BE(-1, 8);
          await sendRaw(broker, framed(Buffer.concat([header, body])));
        },
      ),
      { numRuns: 200 },
    );
    await stillServes(before);
  });

  it('survives mutated librdkafka frames', async () => {
    const before = produced;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: golden.length - 1 }),
        fc.array(fc.record({ at: fc.nat(), kind: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), {
          minLength: 1,
          maxLength: 4,
        }),
        async (index, edits) => {
          await sendRaw(broker, framed(mutate(golden[index]!, edits)));
        },
      ),
      { numRuns: 200 },
    );
    await stillServes(before);
  });

  it('closes connections whose size prefix is absurd, and only those', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.integer({ min: -(2 ** 31), max: 7 }), fc.integer({ min: MAX_FRAME + 1, max: 2 ** 31 - 1 })),
        async (size) => {
          const { closed } = await sendRaw(broker, framed(Buffer.alloc(16), size), 2000);
          expect(closed).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
    // A valid ApiVersions v0 request on a fresh connection still gets its answer.
    const apiVersions = Buffer.from('0012000000000001ffff', 'hex');
    const ok = await sendRaw(broker, framed(apiVersions), 200);
    expect(ok.received).toBeGreaterThan(10);
    expect(ok.closed).toBe(false);
  });

  it('answers an ApiVersions it does not serve with UNSUPPORTED_VERSION and its list, and closes on unknown APIs', async () => {
    const header = (apiKey: number, version: number) => {
      const h = Buffer.alloc(10);
      h.writeInt16BE(apiKey, 0);
      h.writeInt16BE(version, 2);
      h.writeInt32BE(42, 4);
      h.writeInt16BE(-1, 8);
      return h;
    };
    const answer = await new Promise<Buffer>((resolve) => {
      const socket = connect(broker.port, broker.host);
      let got = Buffer.alloc(0);
      socket.on('data', (d) => {
        got = Buffer.concat([got, d]);
        if (got.length >= 4 && got.length >= 4 + got.readInt32BE(0)) {
          socket.destroy();
          resolve(got);
        }
      });
      socket.on('connect', () => socket.write(framed(header(18, 99))));
    });
    expect(answer.readInt32BE(4)).toBe(42); // correlation id, response header v0
    expect(answer.readInt16BE(8)).toBe(35); // UNSUPPORTED_VERSION
    const count = answer.readInt32BE(10);
    const keys = Array.from({ length: count }, (_, i) => answer.readInt16BE(14 + i * 6));
    expect(keys).toContain(18);
    expect(keys).toContain(0);

    expect((await sendRaw(broker, framed(header(999, 0)), 2000)).closed).toBe(true);
    expect((await sendRaw(broker, framed(header(3, 99)), 2000)).closed).toBe(true);
  });

  it('closes the connection when an acks=0 produce fails (there is no response to carry the error)', async () => {
    const w = new Writer();
    writeRequestHeader(w, { apiKey: 0, apiVersion: 7, correlationId: 9, clientId: 'raw' }, false);
    const corrupt = encodeBatch([{ value: Buffer.from('v') }]);
    corrupt[corrupt.length - 1]! ^= 0xff;
    const produce = (acks: number, records: Buffer) =>
      codecFor(produceRequest, 7).encode(w, {
        transactionalId: null,
        acks,
        timeoutMs: 1000,
        topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
      });
    produce(0, corrupt);
    expect((await sendRaw(broker, framed(w.toBuffer()), 2000)).closed).toBe(true);

    const ok = new Writer();
    writeRequestHeader(ok, { apiKey: 0, apiVersion: 7, correlationId: 9, clientId: 'raw' }, false);
    codecFor(produceRequest, 7).encode(ok, {
      transactionalId: null,
      acks: 0,
      timeoutMs: 1000,
      topicData: [
        { name: topic, partitionData: [{ index: 0, records: encodeBatch([{ value: Buffer.from('fine') }]) }] },
      ],
    });
    const fine = await sendRaw(broker, framed(ok.toBuffer()), 300);
    expect(fine).toEqual({ closed: false, received: 0 });
  });

  it('closes a half-open or slow connection after the idle timeout without blocking others', async () => {
    const socket = connect(broker.port, broker.host);
    socket.on('error', () => {});
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write(Buffer.from([0, 0, 1])); // three bytes of a size prefix, then silence
    const before = produced;
    await closed;
    expect(produced).toBeGreaterThan(before);
  });

  it('bounds memory of a client that pipelines requests without reading responses', async () => {
    const socket = connect(broker.port, broker.host);
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
    socket.pause();
    const metadataAll = framed(Buffer.from('000300010000000200000000ffffffff', 'hex'));
    const flood = Buffer.concat(Array.from({ length: 20_000 }, () => metadataAll));
    socket.write(flood);
    await new Promise((r) => setTimeout(r, 500));
    socket.destroy();
    const before = produced;
    await expect.poll(() => produced, { timeout: 5000 }).toBeGreaterThan(before);
  });

  it('still serves the well-behaved client after all of it, and counted the rejected frames', async () => {
    expect(broker.state.closing).toBe(false);
    const consumer = kafka.consumer({ groupId: randomTopic('survivor'), maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const target = produced;
    expect(target).toBeGreaterThan(10);
    let seen = 0;
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async () => {
            if (++seen === target) resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    const metrics = await broker.registry.getSingleMetricAsString('ysh_kafka_rejected_frames_total');
    expect(metrics).toMatch(/reason="frame-too-large"/);
    expect(metrics).toMatch(/reason="malformed"/);
    // Every bad input was caught while decoding; no handler ever failed on one.
    expect(metrics).not.toMatch(/reason="handler-error"/);
  });
});

describe('per-connection memory bound with large pipelined frames', () => {
  it('pauses reading while the backlog is large and resumes so a partly received frame completes', async () => {
    const broker = await startTestBroker({ maxFrameBytes: 6 * 1024 * 1024 });
    try {
      // Metadata v1 for no topics, padded: bytes after a decoded request are ignored, so the frame is big but valid.
      const request = (correlationId: number, size: number) => {
        const body = Buffer.alloc(size);
        Buffer.from('000300010000000000000000', 'hex').copy(body);
        body.writeInt32BE(correlationId, 4);
        body.writeInt16BE(-1, 8);
        body.writeInt32BE(0, 10);
        return framed(body);
      };
      const socket = connect(broker.port, broker.host);
      await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
      const seen: number[] = [];
      let pending = Buffer.alloc(0);
      socket.on('data', (d: Buffer) => {
        pending = Buffer.concat([pending, d]);
        while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
          seen.push(pending.readInt32BE(4));
          pending = pending.subarray(4 + pending.readInt32BE(0));
        }
      });
      // Hold the first request so the next ones pile up: a 3.5 MB frame, then most of a 6 MB one.
      broker.control.delay(ApiKey.Metadata, 300, 1);
      socket.write(request(1, 100));
      socket.write(request(2, 3_500_000));
      const last = request(3, 6_000_000);
      socket.write(last.subarray(0, 5_500_000));
      await expect.poll(() => seen, { timeout: 10_000 }).toEqual([1, 2]);
      socket.write(last.subarray(5_500_000));
      await expect.poll(() => seen, { timeout: 10_000 }).toEqual([1, 2, 3]);
      socket.destroy();
    } finally {
      await broker.stop();
    }
  });
});
