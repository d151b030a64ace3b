import { type ErrorTable, tableError } from '@ysh/common';

/** The edge agent's error table: what each code means and whether a retry may succeed. */
export const EDGE_ERRORS = {
  EDGE_MODBUS_TIMEOUT: {
    retriable: true,
    description: 'a Modbus request got no answer within the device timeout',
  },
  EDGE_MODBUS_EXCEPTION: {
    retriable: true,
    description: 'a device answered a Modbus request with an exception response',
  },
  EDGE_MODBUS_IO: {
    retriable: true,
    description: 'the Modbus connection failed or closed',
  },
  EDGE_SUNSPEC_NOT_FOUND: {
    retriable: true,
    description: 'no SunS marker at any of the SunSpec base addresses',
  },
  EDGE_SUNSPEC_BAD_CHAIN: {
    retriable: false,
    description: 'the SunSpec model chain is malformed',
  },
  EDGE_BUFFER_IO: {
    retriable: true,
    description: 'the on-disk buffer could not be read or written',
  },
  EDGE_BUFFER_CORRUPT: {
    retriable: false,
    description: 'a buffer record failed its checksum',
  },
  EDGE_UPLINK_REJECTED: {
    retriable: false,
    description: 'the gateway refused a batch for good (4xx other than 408/429)',
  },
  EDGE_UPLINK_UNAVAILABLE: {
    retriable: true,
    description: 'the gateway could not be reached or asked to retry later',
  },
  EDGE_UPLINK_BAD_ANSWER: {
    retriable: true,
    description: 'the gateway answered 2xx but its body was not a readable result; the batch is sent again',
  },
  EDGE_SEQ_STORE: {
    retriable: true,
    description: 'the sequence-number store could not be persisted',
  },
  EDGE_ENROLL_REFUSED: {
    retriable: false,
    description: 'the gateway refused the enrollment code (unknown, used or expired), or the box is already enrolled',
  },
  EDGE_ENROLL_UNREACHABLE: {
    retriable: true,
    description: 'the gateway could not be reached for enrollment, or asked to wait (rate limit)',
  },
  EDGE_ENROLL_STATE: {
    retriable: false,
    description: 'the stored enrollment (enrollment.json, site-token) is unreadable or incomplete',
  },
  EDGE_REMOTE_CONFIG: {
    retriable: true,
    description:
      'the remote configuration could not be fetched, or failed validation on the box (the previous one keeps running)',
  },
  EDGE_SERVICE: {
    retriable: false,
    description: 'the systemd service could not be installed or removed',
  },
} as const satisfies ErrorTable;

export type EdgeErrorCode = keyof typeof EDGE_ERRORS;

export class EdgeError extends tableError(EDGE_ERRORS) {}

/** Site-config mistakes are the fleet domain's (the platform validates the same configuration). */
export { SiteConfigError } from '@ysh/common/fleet';

export class ModbusTimeoutError extends EdgeError {
  constructor(message: string, cause?: unknown) {
    super('EDGE_MODBUS_TIMEOUT', message, { cause });
  }
}

export class ModbusExceptionError extends EdgeError {
  readonly exceptionCode: number;
  constructor(message: string, exceptionCode: number, cause?: unknown) {
    super('EDGE_MODBUS_EXCEPTION', message, { cause });
    this.exceptionCode = exceptionCode;
  }
}

export class ModbusIoError extends EdgeError {
  constructor(message: string, cause?: unknown) {
    super('EDGE_MODBUS_IO', message, { cause });
  }
}

export class UplinkError extends EdgeError {
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  constructor(
    code: 'EDGE_UPLINK_REJECTED' | 'EDGE_UPLINK_UNAVAILABLE' | 'EDGE_UPLINK_BAD_ANSWER',
    message: string,
    opts: { status?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(code, message, { cause: opts.cause });
    this.status = opts.status;
    this.retryAfterMs = opts.retryAfterMs;
  }
}
