import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@ysh/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KafkaBroker, startKafkaBroker } from '../broker.ts';
import { ApiKey } from '../protocol/api-keys.ts';
import { fetchRequest, fetchResponse } from '../protocol/apis/fetch.ts';
import { heartbeatRequest, heartbeatResponse } from '../protocol/apis/heartbeat.ts';
import { Reader } from '../protocol/reader.ts';
import { codecFor } from '../protocol/schema.ts';
import { Writer } from '../protocol/writer.ts';
import { CLOSE_CONNECTION, defineApi, type RequestContext } from './types.ts';

const heartbeatApi = {
  apiKey: ApiKey.Heartbeat,
  name: 'Heartbeat',
  minVersion: 0,
  maxVersion: 3,
  request: heartbeatRequest,
  response: heartbeatResponse,
};

/** Answers a heartbeat with an error code computed from the request, so the test sees both directions. */
const echo = defineApi({
  ...heartbeatApi,
  handle(_state, req) {
    if (req.generationId < 0) return CLOSE_CONNECTION;
    if (req.generationId === 0) return null;
    return { throttleTimeMs: 7, errorCode: req.generationId + (req.groupInstanceId === null ? 0 : 100) };
  },
});

/*
 * These definitions are never called: they exist for `tsc`, where each
 * @ts-expect-error fails the type-check if the line under it stops being an error.
 */
const rejectedByTheTypeChecker = [
  defineApi({
    ...heartbeatApi,
    handle(_state, req) {
      // @ts-expect-error Heartbeat requests have no `topics`
      return { throttleTimeMs: 0, errorCode: req.topics.length };
    },
  }),
  defineApi({
    ...heartbeatApi,
    // @ts-expect-error the answer lacks `errorCode`
    handle: () => ({ throttleTimeMs: 0 }),
  }),
  defineApi({
    ...heartbeatApi,
    // @ts-expect-error a misspelt field name is the required one missing
    handle: () => ({ throttleTimeMs: 0, errorcode: 0 }),
  }),
  defineApi({
    ...heartbeatApi,
    // @ts-expect-error errorCode is an int16, not a string
    handle: () => ({ throttleTimeMs: 0, errorCode: 'NONE' }),
  }),
  defineApi({
    apiKey: ApiKey.Fetch,
    name: 'Fetch',
    minVersion: 4,
    maxVersion: 11,
    request: fetchRequest,
    response: fetchResponse,
    handle: (_state, req) => ({
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: 0,
      // @ts-expect-error a nested partition answer lacks `highWatermark`
      responses: req.topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partition,
          errorCode: 0,
          lastStableOffset: 0,
          logStartOffset: 0,
          abortedTransactions: [],
          preferredReadReplica: -1,
          records: null,
        })),
      })),
    }),
  }),
];

describe('defineApi', () => {
  let dir: string;
  let broker: KafkaBroker;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ysh-define-api-'));
    broker = await startKafkaBroker({ dataDir: dir, logger: createLogger('test', { level: 'silent' }) });
  });
  afterAll(async () => {
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const ctx = (apiVersion: number): RequestContext => ({
    header: { apiKey: ApiKey.Heartbeat, apiVersion, correlationId: 1, clientId: 'test' },
    clientHost: '127.0.0.1',
  });

  function request(version: number, generationId: number, groupInstanceId: string | null): Reader {
    const w = new Writer();
    codecFor(heartbeatRequest, version).encode(w, { groupId: 'g', generationId, memberId: 'm', groupInstanceId });
    return new Reader(w.toBuffer());
  }

  it('decodes with the request codec of the version and encodes the answer with the response codec of it', async () => {
    for (const [version, expected] of [
      [0, { throttleTimeMs: 0, errorCode: 5 }],
      [3, { throttleTimeMs: 7, errorCode: 105 }],
    ] as const) {
      const answer = await echo.decode(version, request(version, 5, 'instance'))(broker.state, ctx(version));
      if (answer === null || answer === CLOSE_CONNECTION) throw new Error(`no response at v${version}`);
      const w = new Writer();
      answer.encode(w);
      const bytes = w.toBuffer();
      // v0 has no throttle_time_ms and no group_instance_id: 2 bytes of error code only.
      expect(bytes.length).toBe(version === 0 ? 2 : 6);
      expect(codecFor(heartbeatResponse, version).decode(new Reader(bytes))).toEqual(expected);
    }
  });

  it('passes "no response" and "close the connection" through untouched', async () => {
    expect(await echo.decode(3, request(3, 0, null))(broker.state, ctx(3))).toBeNull();
    expect(await echo.decode(3, request(3, -1, null))(broker.state, ctx(3))).toBe(CLOSE_CONNECTION);
  });

  it('keeps what the registry and ApiVersions read', () => {
    expect(echo).toMatchObject({ apiKey: 12, name: 'Heartbeat', minVersion: 0, maxVersion: 3 });
    expect(echo.request).toBe(heartbeatRequest);
    expect(echo.response).toBe(heartbeatResponse);
    expect(rejectedByTheTypeChecker).toHaveLength(5);
  });
});
