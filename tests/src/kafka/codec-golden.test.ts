import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { handlers } from '@ysh/embedded/kafka/handlers';
import { apiVersionsRequest } from '@ysh/embedded/kafka/protocol/apis/api-versions.ts';
import { fetchRequest } from '@ysh/embedded/kafka/protocol/apis/fetch.ts';
import { joinGroupRequest } from '@ysh/embedded/kafka/protocol/apis/join-group.ts';
import { metadataRequest } from '@ysh/embedded/kafka/protocol/apis/metadata.ts';
import { offsetFetchRequest } from '@ysh/embedded/kafka/protocol/apis/offset-fetch.ts';
import { produceRequest } from '@ysh/embedded/kafka/protocol/apis/produce.ts';
import { readRequestHeader, writeRequestHeader } from '@ysh/embedded/kafka/protocol/header.ts';
import { checkBatch, readBatchHeader } from '@ysh/embedded/kafka/protocol/record-batch.ts';
import { Reader } from '@ysh/embedded/kafka/protocol/reader.ts';
import { decodeRecords } from '@ysh/embedded/kafka/protocol/records.ts';
import { codecFor, isFlexible, type MessageSchema } from '@ysh/embedded/kafka/protocol/schema.ts';
import { Writer } from '@ysh/embedded/kafka/protocol/writer.ts';
import fixture from './fixtures/librdkafka-requests.json' with { type: 'json' };

/** Request frames captured from kcat/librdkafka (see fixtures/capture-librdkafka.ts), decoded by our codecs. */
const frames = fixture.frames.map((f) => ({ ...f, bytes: Buffer.from(f.hex, 'hex') }));

function decode(frame: { apiKey: number; apiVersion: number; bytes: Buffer }) {
  const handler = handlers.find((h) => h.apiKey === frame.apiKey);
  if (!handler) throw new Error(`no handler for api ${frame.apiKey}`);
  const flexible = isFlexible(handler.request, frame.apiVersion);
  const { header, body } = readRequestHeader(frame.bytes, flexible);
  const request = codecFor(handler.request, frame.apiVersion).decode(body);
  return { handler, flexible, header, request, rest: body.remaining };
}

/** Decodes a frame with the request schema of its API, typed by that schema. */
function decodeAs<S extends MessageSchema>(schema: S, frame: { apiKey: number; apiVersion: number; bytes: Buffer }) {
  const { handler, flexible } = decode(frame);
  expect(handler.request).toBe(schema);
  const { body } = readRequestHeader(frame.bytes, flexible);
  return { flexible, request: codecFor(schema, frame.apiVersion).decode(body) };
}

function find(api: string, version: number, command?: RegExp) {
  const f = frames.find((x) => x.api === api && x.apiVersion === version && (!command || command.test(x.command)));
  if (!f) throw new Error(`fixture has no ${api} v${version}`);
  return f;
}

describe(`codec golden tests against ${fixture.capturedWith}`, () => {
  it('holds frames of every API librdkafka used', () => {
    expect(new Set(frames.map((f) => f.api))).toEqual(
      new Set([
        'ApiVersions',
        'Metadata',
        'Produce',
        'ListOffsets',
        'Fetch',
        'FindCoordinator',
        'JoinGroup',
        'SyncGroup',
        'Heartbeat',
        'OffsetCommit',
        'OffsetFetch',
        'LeaveGroup',
      ]),
    );
  });

  it.each(frames.map((f) => [`${f.api} v${f.apiVersion} (${f.command})`, f] as const))(
    'decodes %s completely and re-encodes the same bytes',
    (_name, frame) => {
      const { handler, flexible, header, request, rest } = decode(frame);
      expect(frame.apiVersion).toBeGreaterThanOrEqual(handler.minVersion);
      expect(frame.apiVersion).toBeLessThanOrEqual(handler.maxVersion);
      expect(rest).toBe(0);
      expect(header.clientId).toBe(/-[CG]/.test(frame.command) ? 'rdkafka' : 'rdkafka');
      const w = new Writer();
      writeRequestHeader(w, header, flexible);
      codecFor(handler.request, frame.apiVersion).encode(w, request);
      expect(w.toBuffer().toString('hex')).toBe(frame.hex);
    },
  );

  it('reads ApiVersions v3 (flexible: compact strings, tagged fields)', () => {
    const { request, flexible } = decodeAs(apiVersionsRequest, find('ApiVersions', 3));
    expect(flexible).toBe(true);
    expect(request.clientSoftwareName).toBe('librdkafka');
    expect(request.clientSoftwareVersion).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('reads Metadata v4 with the requested topic and auto-creation flag', () => {
    const { request } = decodeAs(metadataRequest, find('Metadata', 4, /-L/));
    expect(request.topics?.map((t) => t.name)).toEqual(['golden']);
    expect(typeof request.allowAutoTopicCreation).toBe('boolean');
  });

  it('verifies the CRC-32C librdkafka computed and reads keys, values and headers of the batch', () => {
    const { request } = decodeAs(produceRequest, find('Produce', 7, /-H trace=abc/));
    expect(request.topicData[0]?.name).toBe('golden');
    const part = request.topicData[0]?.partitionData[0];
    expect(part?.index).toBe(0);
    const records = part?.records;
    if (!records) throw new Error('the frame carries no records');
    expect(checkBatch(records, 0)).toEqual({ size: records.length });
    const decoded = decodeRecords(records);
    expect(decoded.map((r) => [r.key?.toString(), r.value?.toString()])).toEqual([
      ['key-1', 'value-1'],
      ['key-2', 'value-2'],
    ]);
    expect(decoded[0]?.headers).toEqual([{ key: 'trace', value: Buffer.from('abc') }]);

    const corrupt = Buffer.from(records);
    corrupt[corrupt.length - 3]! ^= 0x01;
    expect(checkBatch(corrupt, 0)).toEqual({ problem: 'crc' });
    const rebased = Buffer.from(records);
    rebased.writeBigInt64BE(123456n, 0);
    expect(checkBatch(rebased, 0)).toEqual({ size: records.length });
  });

  it('accepts a gzip batch as sent: CRC over the compressed bytes, records inside after gunzip', () => {
    const { request } = decodeAs(produceRequest, find('Produce', 7, /compression.codec=gzip/));
    const records = request.topicData[0]?.partitionData[0]?.records;
    if (!records) throw new Error('the frame carries no records');
    const h = readBatchHeader(records);
    expect(h.attributes & 0x07).toBe(1);
    expect(checkBatch(records, 0)).toEqual({ size: records.length });
    expect(h.recordCount).toBe(20);
    // Rebuild the batch uncompressed to read its records with the plain decoder.
    const inner = gunzipSync(records.subarray(61));
    const plain = Buffer.concat([records.subarray(0, 61), inner]);
    plain.writeInt16BE(h.attributes & ~0x07, 21);
    plain.writeInt32BE(plain.length - 12, 8);
    const decoded = decodeRecords(plain);
    expect(decoded).toHaveLength(20);
    expect(decoded[0]?.key?.toString()).toBe('key-3');
    expect(decoded[19]?.value?.toString()).toBe(`value-22 ${'solar '.repeat(10)}`);
    const r = new Reader(inner);
    expect(r.varint()).toBeGreaterThan(0);
  });

  it('reads a flexible OffsetFetch (compact arrays, tagged fields) asking for the group partitions', () => {
    const f = frames.find((x) => x.api === 'OffsetFetch');
    if (!f) throw new Error('fixture has no OffsetFetch');
    const { request, flexible } = decodeAs(offsetFetchRequest, f);
    expect(flexible).toBe(f.apiVersion >= 6);
    expect(request.groupId).toBe('golden-group');
    expect(request.topics?.[0]?.name).toBe('golden');
    expect([...(request.topics?.[0]?.partitionIndexes ?? [])].sort()).toEqual([0, 1]);
  });

  it('reads Fetch v11 and JoinGroup v5 fields', () => {
    const fetch = decodeAs(fetchRequest, find('Fetch', 11)).request;
    expect(fetch.replicaId).toBe(-1);
    expect(fetch.sessionEpoch).toBe(-1);
    expect(fetch.topics[0]?.topic).toBe('golden');
    expect(fetch.topics[0]?.partitions[0]?.partitionMaxBytes).toBeGreaterThan(0);
    const join = decodeAs(joinGroupRequest, find('JoinGroup', 5)).request;
    expect(join.groupId).toBe('golden-group');
    expect(join.protocolType).toBe('consumer');
    expect(join.protocols.map((p) => p.name)).toContain('range');
  });
});
