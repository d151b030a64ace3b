import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlackCall {
  path: string;
  authorization: string | undefined;
  form: Record<string, string>;
  /** When the request arrived (ms since the epoch). */
  at: number;
}

export interface FakeSlack {
  /** Base URL to pass as slackApiUrl / YSH_SLACK_API_URL. */
  url: string;
  calls: SlackCall[];
  /** The next n calls answer `{ ok: false, error: "internal_error" }`. */
  failNext(n: number): void;
  close(): Promise<void>;
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let b = '';
    req.on('data', (d: Buffer) => {
      b += d.toString();
    });
    req.on('end', () => resolve(b));
  });
}

/** A local stand-in for https://slack.com/api/ recording the exact calls @slack/web-api makes. */
export async function startFakeSlack(): Promise<FakeSlack> {
  const calls: SlackCall[] = [];
  let failures = 0;
  const server = createServer(async (req, res) => {
    const text = await body(req);
    calls.push({
      at: Date.now(),
      path: `${req.method} ${req.url}`,
      authorization: req.headers.authorization,
      form: Object.fromEntries(new URLSearchParams(text)),
    });
    const fail = failures > 0;
    if (fail) failures -= 1;
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(
        fail
          ? '{"ok":false,"error":"internal_error"}'
          : JSON.stringify({ ok: true, channel: 'C1', ts: `${calls.length}.0001` }),
      );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    calls,
    failNext(n) {
      failures = n;
    },
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** "<alert id> <event>" of every chat.postMessage, from the message's context block. */
export function postedEvents(calls: SlackCall[]): string[] {
  return calls
    .filter((c) => c.path === 'POST /api/chat.postMessage')
    .map((c) => {
      const blocks = JSON.parse(c.form.blocks ?? '[]') as { type: string; elements?: { text: string }[] }[];
      const ctx = blocks.find((b) => b.type === 'context')?.elements?.[0]?.text ?? '';
      const m = /Alert (al_[0-9a-f]+)\S* · (\w+)/.exec(ctx);
      return m ? `${m[1]} ${m[2]}` : `unparsed: ${ctx}`;
    });
}
