import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JobsError } from '../errors.ts';
import type { StepLog } from '../graph/asset.ts';

/**
 * ANEEL open-data portal (CKAN at dadosabertos.aneel.gov.br):
 * - tariffs "Tarifas Homologadas das Distribuidoras", resource TARIFAS_RESOURCE_ID, read page by page
 *   through `GET /api/3/action/datastore_search?resource_id=…&limit=…&offset=…[&filters=…]`, or
 *   downloaded whole as CSV from the URL `GET /api/3/action/resource_show?id=…` gives;
 * - bandeiras "Bandeiras Tarifárias - acionamento", resource BANDEIRAS_RESOURCE_ID, always the CSV.
 * Files are written into the inbox (a temporary dot-name renamed at the end, so a reader never sees
 * half a file) and read from there by tarifas_raw like files dropped by hand.
 */
export const ANEEL_PORTAL = 'https://dadosabertos.aneel.gov.br';
export const TARIFAS_RESOURCE_ID = 'fcf2906c-7c32-4b9b-a637-054e7a5234f4';
export const BANDEIRAS_RESOURCE_ID = '0591b8f6-fe54-437b-b72b-1aa2efd46e42';
export const USER_AGENT = 'ysh-telemetry-batch-jobs (+https://github.com/ysh-telemetry)';

export interface FetchOptions {
  mode: 'datastore' | 'csv';
  portalUrl: string;
  dir: string;
  /** datastore mode: one filtered query per SigAgente; empty = the whole dataset */
  distribuidoras: readonly string[];
  pageSize: number;
  /** extra attempts after a network error, 429 or 5xx */
  retries: number;
  /** first backoff wait; doubles each attempt (default 1 s) */
  retryDelayMs?: number;
  /** per request (default 120 s) */
  timeoutMs?: number;
  signal?: AbortSignal;
  log?: Pick<StepLog, 'info' | 'warn'>;
}

async function request(url: string, o: FetchOptions): Promise<Response> {
  let lastError = '';
  for (let attempt = 0; attempt <= o.retries; attempt++) {
    if (attempt > 0) {
      const wait = (o.retryDelayMs ?? 1000) * 2 ** (attempt - 1);
      o.log?.warn('ANEEL portal: retrying', { url, attempt, waitMs: wait, lastError });
      await new Promise((r) => setTimeout(r, wait));
    }
    o.signal?.throwIfAborted();
    const signals = [AbortSignal.timeout(o.timeoutMs ?? 120_000), ...(o.signal ? [o.signal] : [])];
    let res: Response;
    try {
      res = await fetch(url, {
        headers: { accept: 'application/json, text/csv;q=0.9', 'user-agent': USER_AGENT },
        signal: AbortSignal.any(signals),
      });
    } catch (err) {
      o.signal?.throwIfAborted();
      lastError = (err as Error).message;
      continue;
    }
    if (res.ok) return res;
    lastError = `HTTP ${res.status}`;
    await res.body?.cancel();
    if (res.status !== 429 && res.status < 500)
      throw new JobsError('JOBS_FETCH_FAILED', `${url}: HTTP ${res.status}`, { details: { status: res.status } });
  }
  throw new JobsError('JOBS_FETCH_FAILED', `${url}: ${lastError} after ${o.retries + 1} attempts`);
}

interface CkanAnswer<T> {
  success: boolean;
  result?: T;
  error?: unknown;
}

async function ckan<T>(url: string, o: FetchOptions): Promise<T> {
  const res = await request(url, o);
  let body: CkanAnswer<T>;
  try {
    body = (await res.json()) as CkanAnswer<T>;
  } catch (err) {
    throw new JobsError('JOBS_FETCH_FAILED', `${url}: answer is not JSON (${(err as Error).message})`);
  }
  if (!body.success || body.result === undefined)
    throw new JobsError('JOBS_FETCH_FAILED', `${url}: CKAN error ${JSON.stringify(body.error ?? null)}`);
  return body.result;
}

async function writeAtomically(dir: string, name: string, data: string | Uint8Array): Promise<string> {
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${name}.part`);
  await writeFile(tmp, data);
  await rename(tmp, join(dir, name));
  return name;
}

const slug = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/** Every record of the tariff datastore (optionally filtered), page by page until a short page or `total`. */
export async function fetchDatastore(o: FetchOptions, filters?: Record<string, string>): Promise<unknown[]> {
  const records: unknown[] = [];
  for (let offset = 0; ; ) {
    const q = new URLSearchParams({
      resource_id: TARIFAS_RESOURCE_ID,
      limit: String(o.pageSize),
      offset: String(offset),
    });
    if (filters) q.set('filters', JSON.stringify(filters));
    const page = await ckan<{ records: unknown[]; total?: number }>(
      `${o.portalUrl}/api/3/action/datastore_search?${q}`,
      o,
    );
    records.push(...page.records);
    offset += page.records.length;
    if (page.records.length < o.pageSize || (page.total !== undefined && offset >= page.total)) break;
  }
  return records;
}

/** Downloads a resource's file from the URL its metadata gives. */
export async function downloadResource(o: FetchOptions, resourceId: string): Promise<Uint8Array> {
  const meta = await ckan<{ url: string }>(
    `${o.portalUrl}/api/3/action/resource_show?${new URLSearchParams({ id: resourceId })}`,
    o,
  );
  const res = await request(meta.url, o);
  return new Uint8Array(await res.arrayBuffer());
}

/** Fetches tariffs (datastore pages or the CSV) and the bandeiras CSV into `dir`; returns the file names written. */
export async function fetchAneel(o: FetchOptions): Promise<string[]> {
  const written: string[] = [];
  if (o.mode === 'datastore') {
    const targets = o.distribuidoras.length ? o.distribuidoras : [undefined];
    for (const d of targets) {
      const records = await fetchDatastore(o, d ? { SigAgente: d } : undefined);
      written.push(
        await writeAtomically(o.dir, `aneel-datastore-${d ? slug(d) : 'all'}.json`, JSON.stringify(records)),
      );
      o.log?.info('ANEEL datastore fetched', { distribuidora: d ?? '(all)', records: records.length });
    }
  } else {
    const csv = await downloadResource(o, TARIFAS_RESOURCE_ID);
    written.push(await writeAtomically(o.dir, 'tarifas-homologadas-distribuidoras-energia-eletrica.csv', csv));
  }
  const bandeiras = await downloadResource(o, BANDEIRAS_RESOURCE_ID);
  written.push(await writeAtomically(o.dir, 'bandeira-tarifaria-acionamento.csv', bandeiras));
  return written;
}
