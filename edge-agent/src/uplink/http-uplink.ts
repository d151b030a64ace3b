import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import { UplinkError } from '../errors.ts';
import { parseRetryAfter } from './backoff.ts';
import type { OutgoingBatch, SendResult, UplinkTransport } from './transport.ts';

const gzip = promisify(gzipCb);

export interface HttpUplinkOptions {
  /** Gateway base URL; batches go to `<url>/v1/telemetry`. */
  url: string;
  token: string;
  timeoutMs: number;
  gzip: boolean;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/**
 * The gateway's 2xx body `{accepted, duplicates, rejected}`, or why it is not
 * one. Without it the agent cannot know what was stored, so such an answer is
 * never taken as an acknowledgement.
 */
function parseResult(text: string): SendResult | string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return text === '' ? 'empty body' : 'body is not JSON';
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'body is not a JSON object';
  const b = body as Record<string, unknown>;
  if (!isCount(b.accepted) || !isCount(b.duplicates) || !Array.isArray(b.rejected))
    return 'body lacks accepted, duplicates or rejected';
  const rejected = (b.rejected as unknown[]).filter(
    (r): r is { index: number; reason: string } => typeof (r as { index?: unknown })?.index === 'number',
  );
  return { accepted: b.accepted, duplicates: b.duplicates, rejected };
}

/**
 * POST /v1/telemetry with the site's bearer token, gzip-compressed. A 2xx with
 * a readable result body is the only acknowledgement; a 2xx whose body breaks
 * off or does not parse, 408/429/5xx and network failures are retriable (with
 * the server's Retry-After when given); other 4xx are reported as rejected, and
 * the caller keeps the readings.
 */
export class HttpUplink implements UplinkTransport {
  readonly kind = 'http' as const;
  private readonly endpoint: string;
  private readonly opts: HttpUplinkOptions;

  constructor(opts: HttpUplinkOptions) {
    this.opts = opts;
    this.endpoint = `${opts.url.replace(/\/+$/, '')}/v1/telemetry`;
  }

  async send(batch: OutgoingBatch): Promise<SendResult> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.opts.token}`,
      'content-type': 'application/json',
      'x-batch-id': batch.batchId,
    };
    let body: Buffer = batch.body;
    if (this.opts.gzip) {
      body = await gzip(batch.body, { level: 1 });
      headers['content-encoding'] = 'gzip';
    }
    let res: Response;
    try {
      res = await fetch(this.endpoint, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause;
      throw new UplinkError(
        'EDGE_UPLINK_UNAVAILABLE',
        `gateway unreachable: ${cause?.code ?? (err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    if (res.status >= 200 && res.status < 300) {
      let text: string;
      try {
        text = await res.text();
      } catch (err) {
        throw new UplinkError('EDGE_UPLINK_BAD_ANSWER', `gateway answered ${res.status} but the body broke off`, {
          status: res.status,
          cause: err,
        });
      }
      const result = parseResult(text);
      if (typeof result === 'string') {
        throw new UplinkError(
          'EDGE_UPLINK_BAD_ANSWER',
          `gateway answered ${res.status} but ${result}: ${text.slice(0, 200)}`,
          {
            status: res.status,
          },
        );
      }
      return result;
    }
    const text = await res.text().catch(() => '');
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
    const detail = text.slice(0, 200);
    if (res.status === 408 || res.status === 429 || res.status >= 500) {
      throw new UplinkError('EDGE_UPLINK_UNAVAILABLE', `gateway answered ${res.status}: ${detail}`, {
        status: res.status,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
    }
    throw new UplinkError('EDGE_UPLINK_REJECTED', `gateway refused the batch with ${res.status}: ${detail}`, {
      status: res.status,
    });
  }

  async close(): Promise<void> {}
}
