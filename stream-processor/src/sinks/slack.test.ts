import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase, type TestDatabase } from '@ysh/test-helpers';
import { applyTransitions } from '../alerts/alert-store.ts';
import { OutboxDispatcher } from '../alerts/outbox.ts';
import type { AlertTransition } from '../alerts/types.ts';
import { silent } from '../testing/core-harness.ts';
import { slackChannel } from './slack.ts';

interface SlackCall {
  method: string;
  authorization: string | undefined;
  contentType: string | undefined;
  form: Record<string, string>;
}

/** Stands in for https://slack.com/api/: records every call the SDK makes, fails on demand. */
async function fakeSlack(): Promise<{
  url: string;
  calls: SlackCall[];
  failNext: (n: number) => void;
  close: () => Promise<void>;
  server: Server;
}> {
  const calls: SlackCall[] = [];
  let failures = 0;
  const body = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let b = '';
      req.on('data', (d: Buffer) => {
        b += d.toString();
      });
      req.on('end', () => resolve(b));
    });
  const server = createServer(async (req, res) => {
    const text = await body(req);
    calls.push({
      method: `${req.method} ${req.url}`,
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
      form: Object.fromEntries(new URLSearchParams(text)),
    });
    if (failures > 0) {
      failures -= 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":false,"error":"internal_error"}');
      return;
    }
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ ok: true, channel: 'C123', ts: `${calls.length}.000100` }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    calls,
    server,
    failNext: (n) => {
      failures = n;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

const T = Date.parse('2026-11-21T13:00:00Z');
const base = { site: 'site-sp-001', device: 'inv-0007', rule: 'fault_state', severity: 'critical' as const, since: T };
const opened: AlertTransition = {
  ...base,
  type: 'open',
  id: 'al_abc',
  at: T + 300_000,
  value: 4,
  message: 'operating state FAULT in 4 of 30 readings',
};
const resolved: AlertTransition = {
  ...base,
  type: 'resolve',
  id: 'al_abc',
  at: T + 900_000,
  message: 'no fault state or fault event',
};

describe('Slack notifications through the outbox', () => {
  let db: TestDatabase;
  let slack: Awaited<ReturnType<typeof fakeSlack>>;
  beforeAll(async () => {
    db = await testDatabase();
    slack = await fakeSlack();
  });
  afterAll(async () => {
    await slack?.close();
    await db?.close();
  });

  it('posts one Block Kit message per lifecycle event, retries a failing Slack with backoff and loses nothing', async () => {
    const channel = slackChannel({
      token: 'xoxb-test-token',
      channel: '#solar-alerts',
      slackApiUrl: slack.url,
      linkBaseUrl: 'https://ops.example/console',
    });
    const dispatcher = new OutboxDispatcher(db.pool, [channel], silent, { baseBackoffMs: 1, maxBackoffMs: 1 });
    await applyTransitions(db.pool, [opened], ['slack']);
    // Re-processing the same window opens nothing new and queues nothing new.
    await applyTransitions(db.pool, [opened], ['slack']);

    slack.failNext(2);
    expect(await dispatcher.runOnce()).toEqual({ delivered: 0, failed: 1 });
    const { rows } = await db.pool.query<{ attempts: number; last_error: string; delivered_at: Date | null }>(
      'SELECT attempts, last_error, delivered_at FROM notification_outbox',
    );
    expect(rows).toEqual([{ attempts: 1, last_error: expect.stringContaining('internal_error'), delivered_at: null }]);
    await new Promise((r) => setTimeout(r, 20));
    expect(await dispatcher.runOnce()).toEqual({ delivered: 0, failed: 1 });
    await new Promise((r) => setTimeout(r, 20));
    expect(await dispatcher.runOnce()).toEqual({ delivered: 1, failed: 0 });
    expect(await dispatcher.pending()).toBe(0);

    await applyTransitions(db.pool, [resolved, resolved], ['slack']);
    await dispatcher.runOnce();
    expect(await dispatcher.runOnce()).toEqual({ delivered: 0, failed: 0 });

    expect(slack.calls.map((c) => c.method)).toEqual(Array(4).fill('POST /api/chat.postMessage'));
    expect(slack.calls.every((c) => c.authorization === 'Bearer xoxb-test-token')).toBe(true);
    expect(slack.calls[0]?.contentType).toContain('application/x-www-form-urlencoded');
    const [open, close] = [slack.calls[2]!.form, slack.calls[3]!.form];
    expect(open.channel).toBe('#solar-alerts');
    expect(open.text).toBe(
      ':red_circle: Alert: fault_state on site-sp-001/inv-0007: operating state FAULT in 4 of 30 readings',
    );
    const blocks = JSON.parse(open.blocks as string);
    expect(blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: ':red_circle: Alert: fault_state on site-sp-001/inv-0007', emoji: true },
    });
    expect(blocks[1].fields.map((f: { text: string }) => f.text)).toEqual([
      '*Site*\nsite-sp-001',
      '*Device*\ninv-0007',
      '*Rule*\nfault_state (critical)',
      `*Since*\n<!date^${T / 1000}^{date_short_pretty} {time}|2026-11-21T13:00:00.000Z>`,
      '*Value*\n4',
    ]);
    expect(blocks[2].elements[0].text).toBe(
      '<https://ops.example/console/alerts/al_abc|Alert al_abc> · opened 2026-11-21T13:05:00.000Z',
    );
    expect(close.text).toBe(
      ':large_green_circle: Alert resolved: fault_state on site-sp-001/inv-0007: no fault state or fault event',
    );
  });
});
