/**
 * Field errors of a value against a TypeBox schema, one per field. TypeBox reports a failed union
 * as one "Expected union value" at the union's path, which names no field; here a failed union is
 * explained by the branch the value was meant for — the one its discriminator (a literal property
 * every branch has) names, else the object branch most of whose properties the value has and gets
 * right — so `{monthlyKwh: [.., "abc", ..]}` gives `/consumption/monthlyKwh/2: Expected number`.
 * When no branch stands out, the message lists what the union accepts.
 */
import { Kind, OptionalKind, type TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType } from '@sinclair/typebox/value';

export interface FieldError {
  /** JSON pointer of the field ('' for the whole value) */
  path: string;
  message: string;
  /** the value found there (undefined when missing) */
  value?: unknown;
}

type Props = Record<string, TSchema>;
const isObject = (s: TSchema): s is TSchema & { properties: Props; required?: string[] } => s[Kind] === 'Object';
const isLiteral = (s: TSchema | undefined): s is TSchema & { const: unknown } => s?.[Kind] === 'Literal';
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function describe(s: TSchema): string {
  if (isLiteral(s)) return JSON.stringify(s.const);
  if (isObject(s))
    return `{${Object.entries(s.properties)
      .map(([k, p]) => (isLiteral(p) ? `${k}: ${JSON.stringify(p.const)}` : p[OptionalKind] ? `${k}?` : k))
      .join(', ')}}`;
  return String(s.type ?? s[Kind]);
}

/** The union branch `value` was meant for, or a field error on its discriminator. */
function branchFor(variants: TSchema[], value: unknown): { branch: TSchema } | { error: FieldError } | undefined {
  // a record can only have been meant for an object branch
  const objects = isRecord(value) ? variants.filter(isObject) : [];
  const first = objects[0];
  if (!isRecord(value) || !first) return undefined;
  const discriminator = Object.keys(first.properties).find((k) => objects.every((v) => isLiteral(v.properties[k])));
  if (discriminator !== undefined) {
    const literal = (v: { properties: Props }) => v.properties[discriminator] as TSchema;
    const chosen = objects.find((v) => literal(v).const === value[discriminator]);
    if (chosen) return { branch: chosen };
    return {
      error: {
        path: `/${discriminator}`,
        message: `expected one of ${objects.map((v) => describe(literal(v))).join(', ')}${value[discriminator] === undefined ? ' (missing)' : ''}`,
        value: value[discriminator],
      },
    };
  }
  const scores = objects.map((v) =>
    Object.entries(v.properties).reduce(
      (n, [k, p]) => n + (k in value ? 1 + (Value.Check(p, value[k]) ? 1 : 0) : 0),
      0,
    ),
  );
  const best = Math.max(...scores);
  if (best === 0 || scores.filter((s) => s === best).length > 1) return undefined;
  const chosen = objects[scores.indexOf(best)];
  return chosen ? { branch: chosen } : undefined;
}

/** Every field error of `value` against `schema`, the first per path (see the header). */
export function fieldErrors(schema: TSchema, value: unknown, prefix = ''): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  const push = (e: FieldError) => {
    if (seen.has(e.path)) return;
    seen.add(e.path);
    out.push(e);
  };
  for (const e of Value.Errors(schema, value)) {
    const path = prefix + e.path;
    if (seen.has(path)) continue;
    if (e.type === ValueErrorType.Union) {
      const variants = (e.schema as { anyOf?: TSchema[] }).anyOf ?? [];
      const found = branchFor(variants, e.value);
      if (found && 'error' in found) {
        push({ ...found.error, path: path + found.error.path });
        seen.add(path);
        continue;
      }
      if (found) {
        for (const sub of fieldErrors(found.branch, e.value, path)) push(sub);
        seen.add(path);
        continue;
      }
      push({
        path,
        message: `expected one of ${variants.map(describe).join(', ')}${e.value === undefined ? ' (missing)' : ''}`,
        value: e.value,
      });
      continue;
    }
    push({ path, message: `${e.message}${e.value === undefined ? ' (missing)' : ''}`, value: e.value });
  }
  return out;
}
