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
    super('CFG_INVALID', `${field}: ${expectation}`, errorOptions(COMMON_ERRORS, 'CFG_INVALID', options));
    this.field = field;
  }
}

export function isYshError(err: unknown): err is YshError {
  return err instanceof YshError;
}

/**
 * One row of a package's error table: what the code means, whether the same call may
 * succeed if repeated, and the HTTP status where the error reaches an HTTP answer.
 */
export interface ErrorSpec {
  readonly description: string;
  readonly retriable: boolean;
  readonly status?: number;
}

/**
 * The shape every package's error table has (`<PACKAGE>_ERRORS` in its `errors.ts`):
 * code → spec. Codes are unique across packages and documented in the package README;
 * `tests/src/structure/error-codes.test.ts` keeps both true.
 */
export type ErrorTable = Readonly<Record<string, ErrorSpec>>;

/** Options for `new YshError(code, …)` taken from the code's row, overridden by `extra`. */
export function errorOptions(table: ErrorTable, code: string, extra: YshErrorOptions = {}): YshErrorOptions {
  const spec = table[code];
  if (!spec) throw new RangeError(`error code ${code} is not in its package's error table`);
  return { retriable: spec.retriable, httpStatus: spec.status, ...extra };
}

/**
 * The base class of a package's errors: `class SimError extends tableError(SIM_ERRORS) {}` takes
 * codes from the table only, and retriable and status from the code's row unless overridden.
 */
export function tableError<T extends ErrorTable>(table: T) {
  return class extends YshError {
    constructor(code: keyof T & string, message: string, options: YshErrorOptions = {}) {
      super(code, message, errorOptions(table, code, options));
    }
  };
}

/** Codes defined in this package. */
export const COMMON_ERRORS = {
  CFG_INVALID: {
    retriable: false,
    description: 'a configuration value is missing or does not meet its expectation',
  },
  CONTRACT_INVALID: {
    retriable: false,
    status: 400,
    description: 'a reading, batch or alert does not follow the telemetry contract v1',
  },
  DB_MIGRATION_FAILED: { retriable: false, status: 503, description: 'a database migration could not be applied' },
  DB_UNAVAILABLE: { retriable: true, status: 503, description: 'the database could not be reached' },
  KV_UNAVAILABLE: { retriable: true, status: 503, description: 'the key-value store could not be reached' },
  SVC_NOT_PROVIDED: {
    retriable: false,
    description: 'a component was started without a service it needs (the wiring layer did not provide it)',
  },
} as const satisfies ErrorTable;
