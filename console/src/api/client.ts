/**
 * The console's one way to the admin API: same-origin fetch with the session cookie, the CSRF
 * header on mutating requests (the API sets the readable `ysh_csrf` cookie at login), and every
 * failure turned into an ApiError carrying the API's own code and message, so screens can say in
 * words what went wrong instead of going blank.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Network failures (API down, connection refused) get a code of their own. */
export const NETWORK_ERROR = 'CONSOLE_NETWORK';
/** A 2xx answer whose body is not the JSON the route promises. */
export const BAD_RESPONSE = 'CONSOLE_BAD_RESPONSE';

/** Builds an ApiError from a non-2xx answer, reading the `{error:{code,message,requestId}}` body when there is one. */
export async function errorFromResponse(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; requestId?: unknown } };
    const e = body?.error;
    if (e && typeof e.code === 'string') {
      return new ApiError(
        res.status,
        e.code,
        typeof e.message === 'string' && e.message ? e.message : res.statusText || e.code,
        typeof e.requestId === 'string' ? e.requestId : null,
      );
    }
  } catch {
    // not JSON: fall through to the status line
  }
  return new ApiError(res.status, `HTTP_${res.status}`, res.statusText || `HTTP ${res.status}`);
}

export function readCookie(cookies: string, name: string): string | null {
  for (const part of cookies.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}${path.includes('?') ? '&' : '?'}${qs}` : path;
}

type Listener = (err: ApiError) => void;
const unauthorizedListeners = new Set<Listener>();

/** Called when any request answers 401, so the app can go back to the login screen. */
export function onUnauthorized(fn: Listener): () => void {
  unauthorizedListeners.add(fn);
  return () => unauthorizedListeners.delete(fn);
}

async function request(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD') {
    const csrf = readCookie(document.cookie, 'ysh_csrf');
    if (csrf) headers['x-csrf-token'] = csrf;
  }
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (cause) {
    throw new ApiError(0, NETWORK_ERROR, cause instanceof Error ? cause.message : String(cause));
  }
  if (!res.ok) {
    const err = await errorFromResponse(res);
    if (res.status === 401) for (const fn of unauthorizedListeners) fn(err);
    throw err;
  }
  return res;
}

async function json<T>(res: Response): Promise<T> {
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  if (!text) return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError(res.status, BAD_RESPONSE, 'invalid JSON');
  }
}

export const api = {
  get: async <T>(path: string, query?: Query): Promise<T> => json<T>(await request('GET', withQuery(path, query))),
  post: async <T>(path: string, body?: unknown): Promise<T> => json<T>(await request('POST', path, body ?? {})),
  patch: async <T>(path: string, body: unknown): Promise<T> => json<T>(await request('PATCH', path, body)),
  put: async <T>(path: string, body: unknown): Promise<T> => json<T>(await request('PUT', path, body)),
  del: async <T>(path: string): Promise<T> => json<T>(await request('DELETE', path)),
  /** Raw response, for downloads (CSV, PDF). */
  blob: async (path: string, query?: Query): Promise<Blob> => (await request('GET', withQuery(path, query))).blob(),
};

/** Follows `nextCursor` until the list ends or `max` items were read. */
export async function getAll<T>(path: string, query: Query = {}, max = 5000): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: T[]; nextCursor: string | null } = await api.get(path, {
      ...query,
      limit: 500,
      cursor: cursor ?? undefined,
    });
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && out.length < max);
  return out;
}

/** Saves a blob under a file name through a temporary object URL (no navigation, works offline). */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
