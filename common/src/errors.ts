/**
 * Typed errors shared by every package. Code branches on `code` or `retriable`,
 * never on message text. Each package adds its own codes with its prefix
 * (GW_, EDGE_, BRK_, PROC_, JOBS_, SIM_, CFG_, DB_, CONTRACT_).
 */
export interface YshErrorOptions {
  retriable?: boolean;
  httpStatus?: number;
  cause?: unknown;
}

export class YshError extends Error {
  readonly code: string;
  readonly retriable: boolean;
  readonly httpStatus: number | undefined;

  constructor(code: string, message: string, options: YshErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.httpStatus = options.httpStatus;
  }
}

/** A configuration value (environment variable, CLI flag, config file field) is missing or wrong. */
export class ConfigError extends YshError {
  readonly field: string;
  constructor(field: string, expectation: string, options: YshErrorOptions = {}) {
    super('CFG_INVALID', `${field}: ${expectation}`, options);
    this.field = field;
  }
}

export function isYshError(err: unknown): err is YshError {
  return err instanceof YshError;
}

/** Codes defined in this package, with what they mean; packages keep their own tables. */
export const COMMON_ERROR_CODES = {
  CFG_INVALID: 'a configuration value is missing or does not meet its expectation',
  CONTRACT_INVALID: 'a reading, batch or alert does not follow the telemetry contract v1',
  DB_MIGRATION_FAILED: 'a database migration could not be applied',
  DB_UNAVAILABLE: 'the database could not be reached',
  KV_UNAVAILABLE: 'the key-value store could not be reached',
  SVC_NOT_PROVIDED: 'a component was started without a service it needs (the wiring layer did not provide it)',
} as const;
