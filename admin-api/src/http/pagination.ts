import { type Static, Type } from '@sinclair/typebox';
import { ApiError } from '../errors.ts';

export const MAX_PAGE = 500;
export const DEFAULT_PAGE = 50;

/** `?limit=&cursor=` of every list; a larger page is refused by the schema. */
export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: DEFAULT_PAGE })),
  cursor: Type.Optional(Type.String({ maxLength: 512, pattern: '^[A-Za-z0-9_-]*$' })),
};

export function Page<T extends ReturnType<typeof Type.Object>>(item: T) {
  return Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });
}

export type PageOf<T> = { items: T[]; nextCursor: string | null };

/** Opaque keyset cursor: the sort key of the last item, base64url JSON. */
export function encodeCursor(key: Array<string | number | null>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** The sort key in a cursor, checked against the expected shape; a malformed cursor is a 400. */
export function decodeCursor(
  cursor: string | undefined,
  shape: Array<'string' | 'number'>,
): Array<string | number> | null {
  if (cursor === undefined || cursor === '') return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== shape.length ||
    parsed.some((v, i) => typeof v !== shape[i] || (typeof v === 'number' && !Number.isFinite(v)))
  )
    throw new ApiError('API_BAD_REQUEST', 'cursor: not a cursor returned by this list');
  return parsed as Array<string | number>;
}

/** Cuts one extra row fetched to know whether there is a next page. */
export function pageOf<T>(rows: T[], limit: number, keyOf: (last: T) => Array<string | number | null>): PageOf<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null };
}

export type PageQueryT = { limit?: number; cursor?: string };
export const limitOf = (q: PageQueryT) => Math.min(MAX_PAGE, q.limit ?? DEFAULT_PAGE);
export type { Static };
