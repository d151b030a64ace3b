import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Local HTTP stand-ins for the SaaS the RAG indexer talks to, answering what the official SDKs
 * send: OpenAI's POST /v1/embeddings and Pinecone's data plane (/vectors/upsert, /vectors/update,
 * /vectors/delete, /vectors/list, /query). Each records every request (method, path, headers,
 * parsed body) for tests to assert exactly, and takes faults to inject: the next N requests
 * answered with a status, headers and an OpenAI/Pinecone error body.
 */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export interface Fault {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

interface Base {
  url: string;
  readonly requests: RecordedRequest[];
  /** answer the next `times` requests (of `path`, if given) with this fault */
  fail(fault: Fault, times?: number, path?: string): void;
  /** hold every answer this long (to kill a client mid-request) */
  setDelay(ms: number): void;
  /** called as each request arrives; returning true drops the connection without an answer */
  setHook(hook: ((r: RecordedRequest) => boolean | undefined) | undefined): void;
  close(): Promise<void>;
}

async function serve(
  handle: (req: RecordedRequest) => { status: number; body: unknown } | Promise<{ status: number; body: unknown }>,
): Promise<Base & { server: Server }> {
  const requests: RecordedRequest[] = [];
  const faults: Array<{ fault: Fault; left: number; path?: string }> = [];
  let delay = 0;
  let hook: ((r: RecordedRequest) => boolean | undefined) | undefined;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', async () => {
      const u = new URL(req.url ?? '/', 'http://x');
      const raw = Buffer.concat(parts).toString('utf8');
      let body: unknown;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = raw;
      }
      const rec: RecordedRequest = {
        method: req.method ?? 'GET',
        path: u.pathname,
        query: Object.fromEntries(u.searchParams),
        headers: req.headers,
        body,
      };
      requests.push(rec);
      if (hook?.(rec)) {
        res.destroy();
        return;
      }
      if (delay) await new Promise((r) => setTimeout(r, delay));
      const f = faults.find((x) => x.left > 0 && (!x.path || x.path === u.pathname));
      if (f) {
        f.left--;
        res.writeHead(f.fault.status, { 'content-type': 'application/json', ...(f.fault.headers ?? {}) });
        res.end(JSON.stringify(f.fault.body ?? { error: { message: `injected ${f.fault.status}` } }));
        return;
      }
      try {
        const r = await handle(rec);
        res.writeHead(r.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(r.body));
      } catch (err) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: (err as Error).message } }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    requests,
    fail(fault, times = 1, path) {
      faults.push({ fault, left: times, path });
    },
    setDelay(ms) {
      delay = ms;
    },
    setHook(h) {
      hook = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A deterministic unit vector for a text (what the OpenAI stand-in answers). */
export function standInVector(text: string, dimensions: number): number[] {
  const out: number[] = [];
  let block = Buffer.alloc(0);
  for (let i = 0; out.length < dimensions; i++) {
    if (block.length < 2) block = createHash('sha256').update(`${i}:${text}`).digest();
    out.push(block.readInt16BE(0) / 32768);
    block = block.subarray(2);
  }
  const n = Math.sqrt(out.reduce((s, x) => s + x * x, 0)) || 1;
  return out.map((x) => x / n);
}

export interface OpenAIStandIn extends Base {
  /** base URL for the SDK (`…/v1`) */
  baseUrl: string;
  /** times each input text was embedded (answered 200) */
  readonly embedded: Map<string, number>;
}

export async function startOpenAIStandIn(o: { apiKey: string }): Promise<OpenAIStandIn> {
  const embedded = new Map<string, number>();
  const base = await serve((r) => {
    if (r.method !== 'POST' || r.path !== '/v1/embeddings')
      return { status: 404, body: { error: { message: 'not found' } } };
    if (r.headers.authorization !== `Bearer ${o.apiKey}`)
      return { status: 401, body: { error: { message: 'Incorrect API key provided', code: 'invalid_api_key' } } };
    const b = r.body as { model: string; input: string[]; dimensions?: number; encoding_format?: string };
    if (!Array.isArray(b.input) || b.input.length > 2048)
      throw new Error('input must be an array of at most 2048 strings');
    const dims = b.dimensions ?? 3072;
    let tokens = 0;
    const data = b.input.map((text, index) => {
      embedded.set(text, (embedded.get(text) ?? 0) + 1);
      tokens += Math.ceil(text.length / 4);
      return { object: 'embedding', index, embedding: standInVector(text, dims) };
    });
    return {
      status: 200,
      body: { object: 'list', data, model: b.model, usage: { prompt_tokens: tokens, total_tokens: tokens } },
    };
  });
  return Object.assign(base, { baseUrl: `${base.url}/v1`, embedded });
}

type Meta = Record<string, unknown>;

export interface PineconeStandIn extends Base {
  /** namespace -> id -> record */
  readonly namespaces: Map<string, Map<string, { values: number[]; metadata: Meta }>>;
  ids(namespace: string): string[];
}

function matches(m: Meta, f: unknown): boolean {
  if (!f || typeof f !== 'object') return true;
  for (const [k, cond] of Object.entries(f as Record<string, unknown>)) {
    if (k === '$and') {
      if (!(cond as unknown[]).every((c) => matches(m, c))) return false;
      continue;
    }
    const v = m[k];
    for (const [op, x] of Object.entries(cond as Record<string, unknown>)) {
      if (op === '$eq' && v !== x) return false;
      if (op === '$gte' && !(typeof v === 'number' && v >= (x as number))) return false;
      if (op === '$lte' && !(typeof v === 'number' && v <= (x as number))) return false;
    }
  }
  return true;
}

export async function startPineconeStandIn(o: { apiKey: string }): Promise<PineconeStandIn> {
  const namespaces = new Map<string, Map<string, { values: number[]; metadata: Meta }>>();
  const ns = (name: string | undefined) => {
    const key = name ?? '__default__';
    let m = namespaces.get(key);
    if (!m) {
      m = new Map();
      namespaces.set(key, m);
    }
    return m;
  };
  const base = await serve((r) => {
    if (r.headers['api-key'] !== o.apiKey)
      return { status: 401, body: { error: { code: 'UNAUTHENTICATED', message: 'Invalid API Key' } } };
    const b = (r.body ?? {}) as Record<string, unknown>;
    switch (`${r.method} ${r.path}`) {
      case 'POST /vectors/upsert': {
        const vectors = b.vectors as Array<{ id: string; values: number[]; metadata?: Meta }>;
        if (vectors.length > 1000)
          return { status: 400, body: { error: { code: 'INVALID_ARGUMENT', message: 'batch too large' } } };
        for (const v of vectors) {
          if (Buffer.byteLength(JSON.stringify(v.metadata ?? {})) > 40_960)
            return { status: 400, body: { error: { code: 'INVALID_ARGUMENT', message: 'metadata too large' } } };
          ns(b.namespace as string).set(v.id, { values: v.values, metadata: v.metadata ?? {} });
        }
        return { status: 200, body: { upsertedCount: vectors.length } };
      }
      case 'POST /vectors/update': {
        const rec = ns(b.namespace as string).get(b.id as string);
        if (rec) rec.metadata = { ...rec.metadata, ...((b.setMetadata as Meta) ?? {}) };
        return { status: 200, body: {} };
      }
      case 'POST /vectors/delete': {
        if (b.deleteAll) namespaces.delete((b.namespace as string) ?? '__default__');
        else for (const id of (b.ids as string[]) ?? []) ns(b.namespace as string).delete(id);
        return { status: 200, body: {} };
      }
      case 'GET /vectors/list': {
        const all = [...ns(r.query.namespace).keys()]
          .filter((id) => !r.query.prefix || id.startsWith(r.query.prefix))
          .sort();
        const limit = Number(r.query.limit ?? 100);
        const start = r.query.paginationToken ? Number(r.query.paginationToken) : 0;
        const page = all.slice(start, start + limit);
        return {
          status: 200,
          body: {
            vectors: page.map((id) => ({ id })),
            ...(start + limit < all.length ? { pagination: { next: String(start + limit) } } : {}),
            namespace: r.query.namespace ?? '',
            usage: { readUnits: 1 },
          },
        };
      }
      case 'POST /query': {
        const q = b.vector as number[];
        const scored = [...ns(b.namespace as string).entries()]
          .filter(([, v]) => matches(v.metadata, b.filter))
          .map(([id, v]) => ({ id, score: v.values.reduce((s, x, i) => s + x * (q[i] ?? 0), 0) }))
          .sort((a, z) => z.score - a.score)
          .slice(0, Number(b.topK));
        return { status: 200, body: { matches: scored, namespace: b.namespace ?? '', usage: { readUnits: 1 } } };
      }
      default:
        return { status: 404, body: { error: { code: 'NOT_FOUND', message: `${r.method} ${r.path}` } } };
    }
  });
  return Object.assign(base, {
    namespaces,
    ids: (name: string) => [...(namespaces.get(name)?.keys() ?? [])].sort(),
  });
}
