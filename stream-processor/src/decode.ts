import type { Reading } from '@ysh/common';

// A fleet reports in step: consecutive messages mostly carry the same timestamp text.
let lastTsText = '';
let lastTs = Number.NaN;
function parseTs(text: string): number {
  if (text !== lastTsText) {
    lastTsText = text;
    lastTs = Date.parse(text);
  }
  return lastTs;
}

export type Decoded = { ok: true; reading: Reading; ts: number } | { ok: false; error: string };

/**
 * Decodes one `inverters_telemetry` message. The gateway validated the
 * reading against the contract; this re-checks only what the processor relies
 * on, cheaply, and never throws on what a peer sent.
 */
export function decodeReading(value: Buffer | string | null): Decoded {
  if (value === null || value.length === 0) return { ok: false, error: 'empty message' };
  let r: Reading;
  try {
    r = JSON.parse(typeof value === 'string' ? value : value.toString('utf8')) as Reading;
  } catch (err) {
    return { ok: false, error: `not JSON: ${(err as Error).message}` };
  }
  if (typeof r !== 'object' || r === null) return { ok: false, error: '(root): must be an object' };
  if (r.v !== 1) return { ok: false, error: 'v: must be 1' };
  if (typeof r.site !== 'string' || r.site.length === 0) return { ok: false, error: 'site: must be a string' };
  if (typeof r.device !== 'string' || r.device.length === 0) return { ok: false, error: 'device: must be a string' };
  if (!Number.isSafeInteger(r.seq) || r.seq < 0) return { ok: false, error: 'seq: must be a non-negative integer' };
  if (typeof r.metrics !== 'object' || r.metrics === null) return { ok: false, error: 'metrics: must be an object' };
  const ts = typeof r.ts === 'string' ? parseTs(r.ts) : Number.NaN;
  if (!Number.isFinite(ts)) return { ok: false, error: 'ts: must be an ISO 8601 date-time' };
  return { ok: true, reading: r, ts };
}
