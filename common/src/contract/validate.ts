import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import {
  AlertSchema,
  BatchEnvelopeSchema,
  ReadingSchema,
  type Alert,
  type EdgeBatch,
  type Reading,
} from './schemas.ts';

// ajv-formats ships CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv, formats?: string[]) => Ajv;

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

export interface ContractValidatorOptions {
  /** Readings stamped further in the future than this are rejected (clock gone wrong). Default 5 min. */
  maxFutureSkewMs?: number;
  /** Largest batch accepted. Default 5,000 readings. */
  maxBatchReadings?: number;
  /** Clock used for the skew check (tests). */
  now?: () => number;
}

export interface CheckedBatch {
  ok: true;
  batch: Omit<EdgeBatch, 'readings'> & { readings: unknown[] };
  /** One result per input reading, same index. */
  readings: Checked<Reading>[];
}

export interface ContractValidator {
  reading(value: unknown): Checked<Reading>;
  batch(value: unknown): CheckedBatch | { ok: false; error: string };
  alert(value: unknown): Checked<Alert>;
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

function describe(err: ErrorObject): string {
  const path = err.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
  switch (err.keyword) {
    case 'required':
      return `${path ? `${path}.` : ''}${String(err.params.missingProperty)}: is required`;
    case 'additionalProperties':
      return `${path ? `${path}.` : ''}${String(err.params.additionalProperty)}: is not a known ${path === 'metrics' ? 'metric name' : 'field'}`;
    case 'type':
      return `${path || '(root)'}: must be ${err.params.type === 'integer' ? 'an integer' : `of type ${String(err.params.type)}`}`;
    case 'const':
      return `${path || '(root)'}: must be ${JSON.stringify(err.params.allowedValue)}`;
    case 'enum':
      return `${path || '(root)'}: must be one of ${(err.params.allowedValues as unknown[]).join(', ')}`;
    case 'anyOf':
      return `${path || '(root)'}: must be one of the allowed values`;
    default:
      return `${path || '(root)'}: ${err.message ?? 'is invalid'}`;
  }
}

function finiteNumbers(value: Record<string, unknown>): string | undefined {
  for (const [name, v] of Object.entries(value)) {
    if (typeof v === 'number' && !Number.isFinite(v)) return `metrics.${name}: must be a finite number, got ${v}`;
  }
  return undefined;
}

/**
 * Validators for the telemetry contract v1, compiled once (Ajv) and cheap
 * enough for the ingest hot path. Errors are one line naming the field.
 * Never throws, whatever it is given.
 */
export function createContractValidator(options: ContractValidatorOptions = {}): ContractValidator {
  const maxSkew = options.maxFutureSkewMs ?? 5 * 60_000;
  const maxReadings = options.maxBatchReadings ?? 5000;
  const now = options.now ?? Date.now;
  const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });
  addFormats(ajv, ['uuid', 'date-time']);
  const readingFn: ValidateFunction = ajv.compile(ReadingSchema);
  const envelopeFn: ValidateFunction = ajv.compile(BatchEnvelopeSchema);
  const alertFn: ValidateFunction = ajv.compile(AlertSchema);

  const reading = (value: unknown): Checked<Reading> => {
    if (!readingFn(value)) return { ok: false, error: describe((readingFn.errors as ErrorObject[])[0] as ErrorObject) };
    const r = value as Reading;
    const notFinite = finiteNumbers(r.metrics);
    if (notFinite) return { ok: false, error: notFinite };
    if (!ISO_WITH_ZONE.test(r.ts))
      return { ok: false, error: `ts: must be an ISO 8601 date-time with zone, got ${JSON.stringify(r.ts)}` };
    const t = Date.parse(r.ts);
    if (Number.isNaN(t)) return { ok: false, error: `ts: is not a valid date, got ${JSON.stringify(r.ts)}` };
    if (t - now() > maxSkew)
      return {
        ok: false,
        error: `ts: is ${Math.round((t - now()) / 1000)} s in the future (allowed ${Math.round(maxSkew / 1000)} s)`,
      };
    return { ok: true, value: r };
  };

  const batch = (value: unknown): CheckedBatch | { ok: false; error: string } => {
    if (!envelopeFn(value))
      return { ok: false, error: describe((envelopeFn.errors as ErrorObject[])[0] as ErrorObject) };
    const b = value as CheckedBatch['batch'];
    if (b.readings.length > maxReadings) {
      return {
        ok: false,
        error: `readings: has ${b.readings.length} readings, more than the ${maxReadings} allowed in one batch`,
      };
    }
    const readings = b.readings.map((item): Checked<Reading> => {
      const checked = reading(item);
      if (checked.ok && checked.value.site !== b.site) {
        return {
          ok: false,
          error: `site: reading is for site ${JSON.stringify(checked.value.site)}, the batch for ${JSON.stringify(b.site)}`,
        };
      }
      return checked;
    });
    return { ok: true, batch: b, readings };
  };

  const alert = (value: unknown): Checked<Alert> =>
    alertFn(value)
      ? { ok: true, value: value as Alert }
      : { ok: false, error: describe((alertFn.errors as ErrorObject[])[0] as ErrorObject) };

  return { reading, batch, alert };
}
