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

function readResult(body: unknown, readings: number): SendResult {
  const b = (body ?? {}) as Partial<SendResult>;
  return {
    accepted: typeof b.accepted === 'number' ? b.accepted : readings,
    duplicates: typeof b.duplicates === 'number' ? b.duplicates : 0,
    rejected: Array.isArray(b.rejected) ? b.rejected.filter((r) => typeof r?.index === 'number') : [],
  };
}

/**
 * POST /v1/telemetry with the site's bearer token, gzip-compressed. 2xx is the
 * only acknowledgement; 408/429/5xx and network failures are retriable (with the
 * server's Retry-After when given); other 4xx are reported as rejected, and the
 * caller keeps the readings.
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
    const text = await res.text().catch(() => '');
    if (res.status >= 200 && res.status < 300) {
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return readResult(parsed, batch.readings);
    }
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
