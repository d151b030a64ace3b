/**
 * A GET to an outside service (NASA POWER, Nominatim) with retries: a network error, HTTP 429 or a
 * 5xx is tried again after 1 s, 2 s, 4 s …; any other answer is the caller's to read. Never throws:
 * `unanswered` carries the last failure after the last attempt.
 */
export interface RetryingGetOptions {
  retries: number;
  retryBaseMs?: number;
  timeoutMs: number;
  headers?: Record<string, string>;
  fetch?: typeof fetch;
  /** awaited before every attempt (a per-host request spacing) */
  beforeAttempt?: () => Promise<unknown>;
}

export type RetryingGetResult = { answered: Response } | { unanswered: string; attempts: number };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function retryingGet(url: URL, o: RetryingGetOptions): Promise<RetryingGetResult> {
  const doFetch = o.fetch ?? fetch;
  let last = '';
  for (let attempt = 0; attempt <= o.retries; attempt++) {
    if (attempt > 0) await sleep((o.retryBaseMs ?? 1000) * 2 ** (attempt - 1));
    await o.beforeAttempt?.();
    let res: Response;
    try {
      res = await doFetch(url, { headers: o.headers, signal: AbortSignal.timeout(o.timeoutMs) });
    } catch (err) {
      last = (err as Error).message;
      continue;
    }
    if (res.status === 429 || res.status >= 500) {
      last = `HTTP ${res.status}`;
      await res.body?.cancel();
      continue;
    }
    return { answered: res };
  }
  return { unanswered: last, attempts: o.retries + 1 };
}
