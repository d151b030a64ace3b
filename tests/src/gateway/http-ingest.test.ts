import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { RedisKv, type KvStore } from '@ysh/common/kv';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DlqRecord } from '@ysh/gateway';
import { realTestDatabase, type TestDatabase, serviceUrl } from '@ysh/test-helpers';
import { batch, type Harness, reading, readTopic, siteWithToken, startHarness, TOPICS, topicEnd } from './harness.ts';

const BACKENDS: Array<{ name: string; enabled: boolean; open: () => Promise<{ db?: TestDatabase; kv?: KvStore }> }> = [
  { name: 'PGlite + in-process KV', enabled: true, open: async () => ({}) },
  {
    name: 'real PostgreSQL + Redis',
    enabled: serviceUrl('postgres') !== undefined && serviceUrl('redis') !== undefined,
    open: async () => ({
      db: await realTestDatabase(),
      kv: new RedisKv(serviceUrl('redis') as string, { keyPrefix: `ysh-test-${randomBytes(4).toString('hex')}:` }),
    }),
  },
];

for (const backend of BACKENDS)
  describe.skipIf(!backend.enabled)(`gateway HTTP ingest into the embedded Kafka broker (${backend.name})`, () => {
    let h: Harness;
    let deps: { db?: TestDatabase; kv?: KvStore } = {};
    const post = (token: string | undefined, payload: unknown, headers: Record<string, string> = {}) =>
      h.gateway.app.inject({
        method: 'POST',
        url: '/v1/telemetry',
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
        payload: payload as string,
      });
    const ends = async () => ({
      telemetry: await topicEnd(h.broker.brokers, TOPICS.telemetry),
      dlq: await topicEnd(h.broker.brokers, TOPICS.telemetryDlq),
    });
    const healthy = async () => {
      const res = await h.gateway.app.inject({ method: 'GET', url: '/health' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ ok: true, checks: { kafka: { ok: true }, database: { ok: true } } });
    };

    beforeAll(async () => {
      deps = await backend.open();
      h = await startHarness({ YSH_GATEWAY_BODY_LIMIT: '262144', YSH_GATEWAY_MAX_DECOMPRESSED: '1048576' }, deps);
    });
    afterAll(async () => {
      await h?.close();
      await deps.db?.close();
      await deps.kv?.close();
    });

    it('refuses no token, a wrong token, a revoked token (401) and another site’s token (403), producing nothing', async () => {
      const tokenA = await siteWithToken(h.gateway, 'auth-a');
      const tokenB = await siteWithToken(h.gateway, 'auth-b');
      const body = batch('auth-a', [reading('auth-a', 'auth-a-inv', 1)]);
      // Warm the topics up so their ends exist.
      expect((await post(tokenB, batch('auth-b', [reading('auth-b', 'auth-b-inv', 1)]))).statusCode).toBe(200);
      const before = await ends();

      const none = await post(undefined, body);
      expect(none.statusCode).toBe(401);
      expect(none.json().error.code).toBe('GW_UNAUTHENTICATED');
      const wrong = await post(`${tokenA}x`, body);
      expect(wrong.statusCode).toBe(401);
      const other = await post(tokenB, body);
      expect(other.statusCode).toBe(403);
      expect(other.json().error).toMatchObject({ code: 'GW_FORBIDDEN_SITE', retriable: false });
      expect(other.json().error.message).toContain('site:');

      expect((await post(tokenA, body)).statusCode).toBe(200);
      await h.gateway.registry.revokeTokens('auth-a');
      const revoked = await post(tokenA, batch('auth-a', [reading('auth-a', 'auth-a-inv', 2)]));
      expect(revoked.statusCode).toBe(401);
      expect(revoked.json().error.code).toBe('GW_UNAUTHENTICATED');

      const after = await ends();
      expect(after.dlq).toBe(before.dlq);
      expect(after.telemetry).toBe(before.telemetry + 1);
    });

    it('produces the good readings of a mixed batch and sends the bad ones to the DLQ with their reason and raw payload', async () => {
      const token = await siteWithToken(h.gateway, 'mix-site');
      const other = await siteWithToken(h.gateway, 'mix-other');
      expect((await post(other, batch('mix-other', [reading('mix-other', 'mix-foreign', 1)]))).statusCode).toBe(200);
      const good = [
        reading('mix-site', 'mix-1', 10),
        reading('mix-site', 'mix-2', 10),
        reading('mix-site', 'mix-1', 11),
      ];
      const bad: unknown[] = [
        { ...reading('mix-site', 'mix-1', 12), metrics: { ac_power_w: 1, bogus_w: 2 } },
        { ...reading('mix-site', 'mix-1', 13), ts: 'yesterday' },
        'not a reading',
        reading('mix-site', 'mix-foreign', 5),
        reading('other-site', 'mix-3', 1),
      ];
      const body = batch('mix-site', [good[0], bad[0], good[1], bad[1], bad[2], good[2], bad[3], bad[4]]);
      const res = await post(token, gzipSync(JSON.stringify(body)), {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      });
      expect(res.statusCode).toBe(200);
      const answer = res.json();
      expect(answer.accepted).toBe(3);
      expect(answer.duplicates).toBe(0);
      expect(answer.rejected.map((r: { index: number }) => r.index)).toEqual([1, 3, 4, 6, 7]);
      const reasons = Object.fromEntries(
        answer.rejected.map((r: { index: number; reason: string }) => [r.index, r.reason]),
      );
      expect(reasons[1]).toMatch(/^metrics\.bogus_w: is not a known metric name/);
      expect(reasons[3]).toMatch(/^ts:/);
      expect(reasons[6]).toMatch(/mix-foreign.*registered to another site/);
      expect(reasons[7]).toMatch(/^site:/);

      const telemetry = (await readTopic(h.broker.brokers, TOPICS.telemetry)).filter((m) =>
        m.value.includes('"site":"mix-site"'),
      );
      expect(telemetry.map((m) => JSON.parse(m.value))).toEqual(expect.arrayContaining(good));
      expect(telemetry).toHaveLength(3);
      for (const m of telemetry) expect(m.key).toBe(JSON.parse(m.value).device);

      const dlq = (await readTopic(h.broker.brokers, TOPICS.telemetryDlq))
        .map((m) => JSON.parse(m.value) as DlqRecord)
        .filter((r) => r.batchId === body.batchId);
      expect(dlq.map((r) => r.index).sort()).toEqual([1, 3, 4, 6, 7]);
      for (const r of dlq) {
        expect(r).toMatchObject({ v: 1, source: 'http', site: 'mix-site', reason: reasons[r.index as number] });
        expect(r.raw).toEqual((body.readings as unknown[])[r.index as number]);
      }
    });

    it('answers malformed JSON, wrong content type, a gzip bomb and an oversized body with 4xx and stays healthy', async () => {
      const token = await siteWithToken(h.gateway, 'bad-input');
      const before = await ends();
      const malformed = await post(token, '{"v":1,"readings":[', { 'content-type': 'application/json' });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json().error.code).toBe('GW_MALFORMED_JSON');

      const text = await post(token, 'hello', { 'content-type': 'text/plain' });
      expect(text.statusCode).toBe(415);
      expect(text.json().error.code).toBe('GW_UNSUPPORTED_MEDIA_TYPE');
      const brotli = await post(token, '{}', { 'content-type': 'application/json', 'content-encoding': 'br' });
      expect(brotli.statusCode).toBe(415);

      const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
      expect(bomb.length).toBeLessThan(262144);
      const bombed = await post(token, bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      expect(bombed.statusCode).toBe(413);
      expect(bombed.json().error.code).toBe('GW_DECOMPRESSED_TOO_LARGE');

      const big = JSON.stringify(batch('bad-input', [])).replace(
        '"readings":[]',
        `"readings":[],"pad":"${'x'.repeat(300_000)}"`,
      );
      const oversized = await post(token, big, { 'content-type': 'application/json' });
      expect(oversized.statusCode).toBe(413);
      expect(oversized.json().error.code).toBe('GW_BODY_TOO_LARGE');

      const envelope = await post(token, { v: 2, site: 'bad-input', readings: [] });
      expect(envelope.statusCode).toBe(400);
      expect(envelope.json().error).toMatchObject({ code: 'GW_INVALID_BATCH' });

      expect(await ends()).toEqual(before);
      await healthy();
    });

    it('stores a batch posted twice once, answering the second as duplicates', async () => {
      const token = await siteWithToken(h.gateway, 'dup-site');
      const body = batch('dup-site', [
        reading('dup-site', 'dup-1', 1),
        reading('dup-site', 'dup-1', 2),
        reading('dup-site', 'dup-2', 1),
      ]);
      const first = await post(token, body);
      expect(first.json()).toEqual({ accepted: 3, duplicates: 0, rejected: [] });
      const second = await post(token, { ...body, batchId: crypto.randomUUID() });
      expect(second.json()).toEqual({ accepted: 0, duplicates: 3, rejected: [] });
      const copies = (await readTopic(h.broker.brokers, TOPICS.telemetry)).filter((m) =>
        m.value.includes('"site":"dup-site"'),
      );
      expect(copies).toHaveLength(3);
    });

    it('yields one copy when a batch is retried after its response was lost', async () => {
      const token = await siteWithToken(h.gateway, 'lost-site');
      const body = JSON.stringify(
        batch(
          'lost-site',
          Array.from({ length: 200 }, (_, i) => reading('lost-site', `lost-${i % 4}`, i)),
        ),
      );
      const url = new URL(h.gateway.url);
      // Send the whole request, then hang up before the answer arrives.
      await new Promise<void>((resolve) => {
        const req = httpRequest({
          host: url.hostname,
          port: url.port,
          path: '/v1/telemetry',
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        });
        req.on('error', () => resolve());
        req.end(body, () => {
          setImmediate(() => {
            req.destroy();
            resolve();
          });
        });
      });
      let answer: { accepted: number; duplicates: number } | undefined;
      for (let attempt = 0; attempt < 50 && !answer; attempt++) {
        const res = await post(token, body, { 'content-type': 'application/json' });
        if (res.statusCode === 200) answer = res.json();
        else {
          expect(res.statusCode).toBe(503);
          expect(res.json().error.code).toBe('GW_DEDUP_PENDING');
          expect(res.headers['retry-after']).toBeDefined();
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      expect(answer).toBeDefined();
      expect((answer?.accepted ?? 0) + (answer?.duplicates ?? 0)).toBe(200);
      const copies = (await readTopic(h.broker.brokers, TOPICS.telemetry)).filter((m) =>
        m.value.includes('"site":"lost-site"'),
      );
      expect(copies).toHaveLength(200);
      expect(new Set(copies.map((m) => m.value)).size).toBe(200);
    });

    it('exposes Prometheus metrics on the same app', async () => {
      const res = await h.gateway.app.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
      expect(res.body).toMatch(/ysh_gateway_readings_total\{[^}]*outcome="accepted"[^}]*\} \d+/);
      expect(res.body).toContain('ysh_gateway_kafka_produce_messages_bucket');
    });

    it('survives arbitrary bodies and mutated batches: no crash, no 5xx (fuzz)', async () => {
      const token = await siteWithToken(h.gateway, 'fuzz-site');
      const base = batch('fuzz-site', [reading('fuzz-site', 'fuzz-1', 1)]);
      const statuses = new Set<number>();
      const anyJson = fc.jsonValue({ maxDepth: 4 });
      const mutated = fc.record({
        v: fc.oneof(fc.constant(1), anyJson),
        batchId: fc.oneof(fc.constant(base.batchId), fc.uuid(), fc.string()),
        site: fc.oneof(fc.constant('fuzz-site'), fc.string()),
        readings: fc.array(
          fc.oneof(
            anyJson,
            fc.record({
              v: fc.constant(1),
              site: fc.constant('fuzz-site'),
              device: fc.oneof(fc.constantFrom('fuzz-1', 'fuzz-2'), fc.string()),
              ts: fc.oneof(
                fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
                fc.string(),
              ),
              seq: fc.oneof(fc.nat(), fc.double(), fc.integer()),
              metrics: fc.dictionary(
                fc.constantFrom('ac_power_w', 'events', 'x', 'mppt1_dc_power_w'),
                fc.oneof(fc.double(), fc.integer(), anyJson),
              ),
              quality: fc.constantFrom('good', 'bad', 'suspect'),
            }),
          ),
          { maxLength: 8 },
        ),
      });
      const bodies = fc.oneof(
        fc.string().map((s) => ({ payload: s, type: 'application/json' })),
        fc.uint8Array({ maxLength: 512 }).map((b) => ({ payload: Buffer.from(b), type: 'application/json' })),
        anyJson.map((j) => ({ payload: JSON.stringify(j), type: 'application/json' })),
        mutated.map((m) => ({ payload: JSON.stringify(m), type: 'application/json' })),
        fc.string().map((s) => ({ payload: s, type: 'text/plain' })),
      );
      await fc.assert(
        fc.asyncProperty(bodies, async ({ payload, type }) => {
          const res = await post(token, payload, { 'content-type': type });
          statuses.add(res.statusCode);
          expect([200, 400, 403, 413, 415]).toContain(res.statusCode);
          expect(res.headers['content-type']).toMatch(/application\/json/);
        }),
        { numRuns: 300 },
      );
      expect(statuses.has(200)).toBe(true);
      expect(statuses.has(400)).toBe(true);
      await healthy();
    });
  });

for (const backend of BACKENDS)
  describe.skipIf(!backend.enabled)(`per-site rate limit (${backend.name})`, () => {
    let h: Harness;
    let deps: { db?: TestDatabase; kv?: KvStore } = {};
    beforeAll(async () => {
      deps = await backend.open();
      h = await startHarness({ YSH_GATEWAY_RATE_LIMIT: '3', YSH_GATEWAY_RATE_WINDOW: '1h' }, deps);
    });
    afterAll(async () => {
      await h?.close();
      await deps.db?.close();
      await deps.kv?.close();
    });

    it('answers 429 with Retry-After past the limit, counting each site on its own', async () => {
      const a = await siteWithToken(h.gateway, 'rl-a');
      const b = await siteWithToken(h.gateway, 'rl-b');
      const send = (token: string, site: string, seq: number) =>
        h.gateway.app.inject({
          method: 'POST',
          url: '/v1/telemetry',
          headers: { authorization: `Bearer ${token}` },
          payload: batch(site, [reading(site, `${site}-inv`, seq)]),
        });
      for (let i = 0; i < 3; i++) expect((await send(a, 'rl-a', i)).statusCode).toBe(200);
      const limited = await send(a, 'rl-a', 9);
      expect(limited.statusCode).toBe(429);
      expect(limited.json().error).toMatchObject({ code: 'GW_RATE_LIMITED', retriable: true });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect((await send(b, 'rl-b', 1)).statusCode).toBe(200);
    });
  });
