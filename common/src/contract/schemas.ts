import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** A string enum as plain JSON Schema `enum` (clearer errors than a union of literals). */
function stringEnum<T extends string>(values: readonly T[], description?: string) {
  return Type.Unsafe<T>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });
}
import { METRICS, MPPT_METRIC_PATTERN, type MetricDef } from './metrics.ts';

export const CONTRACT_VERSION = 1;

/** Site and device ids: lower-case letters, digits, dot, dash, underscore; 1-64 chars. */
export const ID_PATTERN = '^[a-z0-9][a-z0-9._-]{0,63}$';

export const QUALITIES = ['good', 'degraded', 'suspect'] as const;
/** Why a reading is not plain "good". */
export const READING_FLAGS = ['device_degraded', 'clock_jump', 'partial_read', 'counter_reset'] as const;

function metricSchema(def: MetricDef) {
  const opts: Record<string, unknown> = { description: `${def.description} (${def.unit})` };
  if (def.minimum !== undefined) opts.minimum = def.minimum;
  if (def.maximum !== undefined) opts.maximum = def.maximum;
  return def.integer ? Type.Integer(opts) : Type.Number(opts);
}

const metricProps = Object.fromEntries(
  Object.entries(METRICS).map(([name, def]) => [name, Type.Optional(metricSchema(def))]),
) as Record<string, TSchema>;

export const MetricsSchema = Type.Object(metricProps, {
  additionalProperties: false,
  patternProperties: { [MPPT_METRIC_PATTERN]: Type.Number() },
});

export const ReadingSchema = Type.Object(
  {
    v: Type.Literal(CONTRACT_VERSION),
    site: Type.String({ pattern: ID_PATTERN }),
    device: Type.String({ pattern: ID_PATTERN }),
    ts: Type.String({ minLength: 20, maxLength: 35, description: 'ISO 8601 measurement time with zone' }),
    seq: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    metrics: MetricsSchema,
    quality: stringEnum(QUALITIES),
    flags: Type.Optional(Type.Array(stringEnum(READING_FLAGS), { maxItems: 8, uniqueItems: true })),
  },
  { additionalProperties: false },
);

export type Metrics = { -readonly [K in keyof typeof METRICS]?: number } & Record<string, number | undefined>;
export type Quality = (typeof QUALITIES)[number];
export type ReadingFlag = (typeof READING_FLAGS)[number];
export interface Reading {
  v: 1;
  site: string;
  device: string;
  ts: string;
  seq: number;
  metrics: Metrics;
  quality: Quality;
  flags?: ReadingFlag[];
}
// Compile-time check that the hand-written interface matches the schema.
type _SameShape = Static<typeof ReadingSchema> extends Omit<Reading, 'metrics'> ? true : never;
const _sameShape: _SameShape = true;
void _sameShape;

/** Edge → gateway batch (HTTP body, or MQTT payload on `ysh/<site>/telemetry`). */
export const BatchMetaSchema = Type.Object(
  {
    /** Readings the edge dropped (disk quota) since its previous batch. */
    dropped: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Readings still queued at the edge when this batch was sent. */
    backlog: Type.Optional(Type.Integer({ minimum: 0 })),
    agent: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

/** The envelope only; readings are validated one by one so one bad reading never rejects the batch. */
export const BatchEnvelopeSchema = Type.Object(
  {
    v: Type.Literal(CONTRACT_VERSION),
    batchId: Type.String({ format: 'uuid' }),
    site: Type.String({ pattern: ID_PATTERN }),
    readings: Type.Array(Type.Unknown()),
    meta: Type.Optional(BatchMetaSchema),
  },
  { additionalProperties: false },
);

export interface EdgeBatch {
  v: 1;
  batchId: string;
  site: string;
  readings: Reading[];
  meta?: Static<typeof BatchMetaSchema>;
}

/** Gateway answer to a batch. */
export const BatchResponseSchema = Type.Object({
  accepted: Type.Integer({ minimum: 0 }),
  duplicates: Type.Integer({ minimum: 0 }),
  rejected: Type.Array(Type.Object({ index: Type.Integer({ minimum: 0 }), reason: Type.String() })),
});
export type BatchResponse = Static<typeof BatchResponseSchema>;

export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export const ALERT_EVENTS = ['opened', 'acknowledged', 'escalated', 'resolved'] as const;

/** One alert lifecycle event (topic `inverter_alerts`, Slack, InfluxDB annotations). */
export const AlertSchema = Type.Object(
  {
    v: Type.Literal(CONTRACT_VERSION),
    /** Stable per incident: every event of one incident carries the same id. */
    id: Type.String({ minLength: 1, maxLength: 128 }),
    event: stringEnum(ALERT_EVENTS),
    site: Type.String({ pattern: ID_PATTERN }),
    /** Absent for a site-level alert (e.g. the whole site went silent). */
    device: Type.Optional(Type.String({ pattern: ID_PATTERN })),
    rule: Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' }),
    severity: stringEnum(ALERT_SEVERITIES),
    /** Event time the incident started (first bad window). */
    since: Type.String({ format: 'date-time' }),
    /** Time of this lifecycle event. */
    at: Type.String({ format: 'date-time' }),
    value: Type.Optional(Type.Number()),
    threshold: Type.Optional(Type.Number()),
    message: Type.String({ maxLength: 1000 }),
  },
  { additionalProperties: false },
);
export type Alert = Static<typeof AlertSchema>;
