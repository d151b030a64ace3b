import type { Logger } from '@ysh/common';
import type { Queryable } from '@ysh/common/db';
import type { Static, TSchema } from '@sinclair/typebox';
import type { AssetCheck } from '../checks/check.ts';

export const LAYERS = ['raw', 'normalized', 'gold'] as const;
export type Layer = (typeof LAYERS)[number];

/** Daily or monthly partitions from `start` (YYYY-MM-DD), keys YYYY-MM-DD or YYYY-MM. */
export interface PartitionsDef {
  kind: 'daily' | 'monthly';
  start: string;
}

/** A cron schedule (5 fields, or 6 with seconds) evaluated in `tz` (default America/Sao_Paulo). */
export interface ScheduleDef {
  cron: string;
  tz?: string;
}

/** "A successful materialization before every `deadline`" (cron in `tz`), e.g. 0 8 * * 1-5. */
export interface FreshnessDef {
  deadline: string;
  tz?: string;
}

/** Retriable errors are retried up to `maxRetries` times, waiting baseDelay·2^n with jitter. */
export interface RetryPolicy {
  maxRetries: number;
  baseDelaySeconds: number;
}

export interface StepLog {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

/** Data version and partition of an upstream asset as this step reads it. */
export interface UpstreamVersion {
  dataVersion: string;
  partition: string;
  materializationId: string;
}

export interface ObserveContext<C> {
  db: Queryable;
  config: C;
  partition: string | undefined;
}

export interface AssetContext<C> extends ObserveContext<C> {
  runId: string;
  assetKey: string;
  attempt: number;
  /** Logs go to the process log (pino) and, per step, to job_step_logs. */
  log: StepLog;
  /** Upstream data versions by asset key. */
  upstream: Readonly<Record<string, UpstreamVersion>>;
  /** The source observation (from `observe`) this materialization is based on, if any. */
  sourceVersion: string | undefined;
  /** Progress of a long step; shown by `ysh jobs materialize` and `ysh jobs run`. */
  progress(done: number, total?: number, message?: string): void;
  /** Aborted when the worker shuts down or the step times out: stop and throw. */
  signal: AbortSignal;
  /** Extra logger for libraries that take pino. */
  logger: Logger;
}

export interface MaterializeResult {
  rowCount?: number;
  /**
   * Fingerprint of what was written (e.g. a hash of the rows). When absent the
   * engine uses the input version: a deterministic function of the inputs.
   */
  fingerprint?: string;
  metadata?: Record<string, unknown>;
}

export interface AssetConfigDef<S extends TSchema> {
  schema: S;
  defaults: Static<S>;
}

export interface AssetDefinition<C = Record<string, unknown>> {
  key: string;
  layer: Layer;
  description?: string;
  deps: readonly string[];
  /** Bump when the code's output would change: every downstream asset then becomes stale. */
  codeVersion: string;
  config?: { schema: TSchema; defaults: C };
  partitions?: PartitionsDef;
  schedule?: ScheduleDef;
  freshness?: FreshnessDef;
  checks?: readonly AssetCheck[];
  retry?: Partial<RetryPolicy>;
  /** A step still running after this long is aborted and counts as lost (default from config). */
  timeoutMs?: number;
  /**
   * For assets that read outside the database (files, APIs): a cheap version of
   * the source. A changed observation makes the asset stale.
   */
  observe?(ctx: ObserveContext<C>): Promise<string>;
  materialize(ctx: AssetContext<C>): Promise<MaterializeResult | undefined>;
}

/** An asset of any config type (a graph holds assets whose config types differ). */
// biome-ignore lint/suspicious/noExplicitAny: config types differ per asset; each asset checks its own against its schema
export type AnyAsset = AssetDefinition<any>;

/** Declares an asset; its config type follows from its TypeBox schema. */
export function defineAsset<S extends TSchema>(
  def: Omit<AssetDefinition<Static<S>>, 'config'> & { config: AssetConfigDef<S> },
): AssetDefinition<Static<S>>;
export function defineAsset(
  def: Omit<AssetDefinition<Record<string, never>>, 'config'>,
): AssetDefinition<Record<string, never>>;
export function defineAsset(def: AnyAsset): AnyAsset {
  return Object.freeze({ ...def });
}
