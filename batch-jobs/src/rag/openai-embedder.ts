import OpenAI from 'openai';
import { JobsError } from '../errors.ts';
import type { Embedder } from './types.ts';

/**
 * OpenAI embeddings through the official SDK. The SDK's own retries are off: this embedder retries
 * a 429 after the server's Retry-After (or retry-after-ms), and 5xx / network errors with
 * exponential backoff, up to `maxRetries`; a 429 whose code is `insufficient_quota` is not a rate
 * limit and fails at once (JOBS_RAG_QUOTA_EXCEEDED). Vectors are requested as floats with the
 * configured `dimensions`; the usage the API reports goes to the run's ledger.
 */
export interface OpenAIEmbedderOptions {
  apiKey: string;
  baseUrl?: string;
  model?: string;
  dimensions?: number;
  maxRetries?: number;
  /** first backoff (doubles each retry) when the server gives no Retry-After */
  baseDelayMs?: number;
  /** longest wait honoured from a Retry-After header */
  maxDelayMs?: number;
}

/** US$ per million input tokens (OpenAI price list). */
export const OPENAI_PRICES: Record<string, number> = {
  'text-embedding-3-large': 0.13,
  'text-embedding-3-small': 0.02,
  'text-embedding-ada-002': 0.1,
};

const NATIVE_DIMENSIONS: Record<string, number> = {
  'text-embedding-3-large': 3072,
  'text-embedding-3-small': 1536,
  'text-embedding-ada-002': 1536,
};

function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Number(ms);
  const s = headers?.get('retry-after');
  if (!s) return undefined;
  if (Number.isFinite(Number(s))) return Number(s) * 1000;
  const at = Date.parse(s);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(new JobsError('JOBS_CANCELED', 'embedding aborted'));
      },
      { once: true },
    );
  });

export function openAIEmbedder(o: OpenAIEmbedderOptions): Embedder {
  const model = o.model ?? 'text-embedding-3-large';
  const dimensions = o.dimensions ?? NATIVE_DIMENSIONS[model] ?? 1536;
  const client = new OpenAI({ apiKey: o.apiKey, baseURL: o.baseUrl, maxRetries: 0, timeout: 120_000 });
  const maxRetries = o.maxRetries ?? 6;
  const base = o.baseDelayMs ?? 1000;
  const maxDelay = o.maxDelayMs ?? 60_000;
  return {
    id: `openai:${model}`,
    dimensions,
    pricePerMTokens: OPENAI_PRICES[model] ?? 0.13,
    async embed(texts, opts) {
      for (let attempt = 0; ; attempt++) {
        try {
          const r = await client.embeddings.create(
            { model, input: texts, dimensions, encoding_format: 'float' },
            { signal: opts?.signal },
          );
          opts?.onRequest?.(texts.length, r.usage?.prompt_tokens ?? 0);
          const out = [...r.data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
          if (out.length !== texts.length || out.some((v) => v.length !== dimensions))
            throw new JobsError(
              'JOBS_RAG_EMBEDDING_FAILED',
              `OpenAI returned ${out.length} vectors for ${texts.length} inputs (or a dimension other than ${dimensions})`,
            );
          return out;
        } catch (err) {
          if (err instanceof JobsError) throw err;
          if (err instanceof OpenAI.APIError) {
            const code = (err.code ?? (err.error as { code?: string } | undefined)?.code) as string | undefined;
            if (err.status === 429 && code === 'insufficient_quota')
              throw new JobsError('JOBS_RAG_QUOTA_EXCEEDED', `OpenAI: ${err.message}`, { cause: err });
            const retriable = err.status === 429 || err.status === undefined || err.status >= 500 || err.status === 408;
            if (!retriable)
              throw new JobsError('JOBS_RAG_EMBEDDING_FAILED', `OpenAI ${err.status}: ${err.message}`, { cause: err });
            if (attempt >= maxRetries)
              throw new JobsError(
                err.status === 429 ? 'JOBS_RAG_RATE_LIMITED' : 'JOBS_RAG_EMBEDDING_FAILED',
                `OpenAI ${err.status ?? 'connection'} after ${attempt + 1} attempts: ${err.message}`,
                { cause: err },
              );
            const wait =
              retryAfterMs(err.headers as Headers | undefined) ?? base * 2 ** attempt * (0.5 + Math.random() / 2);
            await sleep(Math.min(wait, maxDelay), opts?.signal);
            continue;
          }
          throw new JobsError('JOBS_RAG_EMBEDDING_FAILED', `OpenAI: ${(err as Error).message}`, { cause: err });
        }
      }
    },
  };
}
