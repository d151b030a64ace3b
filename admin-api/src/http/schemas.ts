import { Type } from '@sinclair/typebox';
import { ID_PATTERN } from '@ysh/common';

export const ErrorBodySchema = Type.Object(
  {
    error: Type.Object({ code: Type.String(), message: Type.String(), requestId: Type.String() }),
  },
  { $id: 'ErrorBody' },
);

export const SiteId = Type.String({ pattern: ID_PATTERN, maxLength: 64 });
export const DeviceId = Type.String({ pattern: ID_PATTERN, maxLength: 64 });
export const NumericId = Type.String({ pattern: '^[0-9]{1,18}$' });
export const IsoTime = Type.String({ format: 'date-time' });
export const NullableIso = Type.Union([Type.String(), Type.Null()]);
/** A free-text filter: bounded, never interpolated into SQL. */
export const Text = (maxLength = 200) => Type.String({ maxLength, pattern: '^[^\\u0000]*$' });

/** Error responses every authenticated route can give. */
export function errors(...statuses: number[]) {
  const ref = Type.Ref('ErrorBody');
  return Object.fromEntries([400, 401, 403, 429, ...statuses].map((s) => [s, ref]));
}
