import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@ysh/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SegmentLog } from '../buffer/segment-log.ts';
import type { UplinkError } from '../errors.ts';
import { Drainer } from './drainer.ts';
import { HttpUplink } from './http-uplink.ts';
import type { SendResult } from './transport.ts';

type Answer = (res: ServerResponse) => void;

/** A 200 whose body stops half-way: Content-Length promises more than arrives before the socket closes. */
const truncated: Answer = (res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': '80' });
  res.write('{"accepted":3,"dupl', () => res.socket?.destroy());
};
const plain =
  (body: string): Answer =>
  (res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  };
const good = plain(JSON.stringify({ accepted: 3, duplicates: 0, rejected: [] }));

interface Received {
  batchId: string | undefined;
  body: string;
}

/** A local HTTP server answering each POST with the next of `answers` (the last one repeats). */
async function startGateway(answers: Answer[], onRequest: (r: Received) => void = () => undefined) {
  const received: Received[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { batchId: req.headers['x-batch-id'] as string | undefined, body: Buffer.concat(chunks).toString() };
      received.push(r);
      onRequest(r);
      const answer = answers[Math.min(received.length, answers.length) - 1] as Answer;
      answer(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const batch = { batchId: 'b-1', body: Buffer.from('{"v":1,"readings":[]}'), readings: 3 };

describe('HttpUplink: a 2xx is an acknowledgement only with a readable result', () => {
  const bad: [string, Answer][] = [
    ['a body cut off before its Content-Length', truncated],
    ['garbled JSON', plain('{"accepted":3,"dupl')],
    ['an HTML page from a proxy', plain('<html><body>OK</body></html>')],
    ['an empty body', plain('')],
    ['JSON without the counts', plain('{"ok":true}')],
  ];
  it.each(bad)('a 200 with %s is a retriable failure', async (_what, answer) => {
    const gw = await startGateway([answer]);
    try {
      const uplink = new HttpUplink({ url: gw.url, token: 't', timeoutMs: 5000, gzip: false });
      await expect(uplink.send(batch)).rejects.toMatchObject({
        code: 'EDGE_UPLINK_BAD_ANSWER',
        retriable: true,
        status: 200,
      });
      expect(gw.received).toHaveLength(1);
    } finally {
      await gw.close();
    }
  });

  it('a 200 with the result body gives its counts and well-formed rejections', async () => {
    const body = { accepted: 1, duplicates: 1, rejected: [{ index: 2, reason: 'bad ts' }, { reason: 'no index' }] };
    const gw = await startGateway([plain(JSON.stringify(body))]);
    try {
      const uplink = new HttpUplink({ url: gw.url, token: 't', timeoutMs: 5000, gzip: false });
      expect(await uplink.send(batch)).toEqual({
        accepted: 1,
        duplicates: 1,
        rejected: [{ index: 2, reason: 'bad ts' }],
      });
    } finally {
      await gw.close();
    }
  });
});

describe('Drainer over HttpUplink when the 2xx body breaks off', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ysh-uplink-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the readings buffered and sends the same batch again', async () => {
    const log = await SegmentLog.open(join(dir, 'buffer'), { maxBytes: 1e6, segmentBytes: 1e5 });
    await log.append([0, 1, 2].map((i) => Buffer.from(JSON.stringify({ device: 'inv-1', seq: i }))));
    const backlogAtRequest: number[] = [];
    const gw = await startGateway([truncated, good], () => backlogAtRequest.push(log.backlog));
    const failures: UplinkError[] = [];
    let sent!: (r: SendResult) => void;
    const firstSent = new Promise<SendResult>((resolve) => {
      sent = resolve;
    });
    const drainer = new Drainer(
      log,
      new HttpUplink({ url: gw.url, token: 't', timeoutMs: 5000, gzip: false }),
      { site: 'site-1', batchMaxReadings: 100, retryMinMs: 10, retryMaxMs: 20, lingerMs: 0, agent: 'test' },
      { onSent: (_b, result) => sent(result), onFailure: (e) => failures.push(e) },
      createLogger('uplink-test', { level: 'silent' }),
    );
    drainer.start();
    try {
      const result = await firstSent;
      expect(result.accepted).toBe(3);
      expect(failures.map((e) => e.code)).toEqual(['EDGE_UPLINK_BAD_ANSWER']);
      // Nothing was taken off the buffer by the broken answer: the retry carries the same batch.
      expect(gw.received).toHaveLength(2);
      expect(backlogAtRequest).toEqual([3, 3]);
      expect(gw.received[1]?.batchId).toBe(gw.received[0]?.batchId);
      expect(gw.received[1]?.body).toBe(gw.received[0]?.body);
      expect((JSON.parse(gw.received[1]?.body ?? '{}') as { readings: unknown[] }).readings).toHaveLength(3);
      expect(log.backlog).toBe(0);
    } finally {
      await drainer.stop();
      await log.close();
      await gw.close();
    }
  });
});
