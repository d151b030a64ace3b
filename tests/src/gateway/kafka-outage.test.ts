import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batch, type Harness, reading, readTopic, siteWithToken, startHarness, TOPICS } from './harness.ts';
import { sleep } from '@ysh/test-helpers';

describe('Kafka outage: the gateway pushes back and acknowledges only what Kafka stored', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ YSH_GATEWAY_PRODUCE_TIMEOUT: '2s', YSH_GATEWAY_RETRY_AFTER: '1' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers 503 + Retry-After while the broker is down, resumes after it restarts, and the topic holds exactly what was acknowledged', async () => {
    const site = 'outage-site';
    const token = await siteWithToken(h.gateway, site);
    const acked = new Set<string>();
    const refusals = new Map<string, number>();
    let stop = false;
    const ackTimes: number[] = [];

    const client = async (c: number) => {
      let seq = 0;
      while (!stop) {
        const readings = Array.from({ length: 50 }, (_, i) =>
          reading(site, `out-${c}-${i % 5}`, seq + Math.floor(i / 5)),
        );
        seq += 10;
        const body = JSON.stringify(batch(site, readings));
        for (;;) {
          const res = await fetch(`${h.gateway.url}/v1/telemetry`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body,
          });
          const answer = (await res.json()) as {
            accepted: number;
            duplicates: number;
            rejected: unknown[];
            error: { code: string };
          };
          if (res.status === 200) {
            expect(answer.rejected).toEqual([]);
            expect(answer.accepted + answer.duplicates).toBe(readings.length);
            for (const r of readings) acked.add(`${r.device}/${r.seq}`);
            ackTimes.push(Date.now());
            break;
          }
          expect(res.status).toBe(503);
          expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
          expect(['GW_KAFKA_UNAVAILABLE', 'GW_BACKPRESSURE', 'GW_DEDUP_PENDING']).toContain(answer.error.code);
          refusals.set(answer.error.code, (refusals.get(answer.error.code) ?? 0) + 1);
          await sleep(100);
        }
      }
    };

    const clients = [0, 1, 2, 3].map(client);
    await sleep(1500);
    const ackedBeforeOutage = acked.size;
    expect(ackedBeforeOutage).toBeGreaterThan(0);
    await h.broker.close();
    const downAt = Date.now();
    await sleep(4000);
    const health = await h.gateway.app.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(503);
    expect(health.json().checks.kafka.ok).toBe(false);
    // Nothing was acknowledged while the broker was away (answers to requests Kafka took just before it went
    // may still arrive during the first moments).
    const restartAt = Date.now();
    expect(ackTimes.filter((t) => t > downAt + 1500 && t < restartAt)).toEqual([]);
    await h.restartBroker();
    await sleep(2500);
    stop = true;
    await Promise.all(clients);
    expect(acked.size).toBeGreaterThan(ackedBeforeOutage);
    expect(refusals.get('GW_KAFKA_UNAVAILABLE') ?? 0).toBeGreaterThan(0);

    const stored = (await readTopic(h.broker.brokers, TOPICS.telemetry))
      .map((m) => JSON.parse(m.value) as { site: string; device: string; seq: number })
      .filter((r) => r.site === site)
      .map((r) => `${r.device}/${r.seq}`);
    expect(new Set(stored)).toEqual(acked);
    expect(stored).toHaveLength(acked.size);
  });
});
