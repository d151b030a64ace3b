import { YshError, type YshErrorOptions } from '@ysh/common';

/** Stable error codes of the embedded Kafka broker (prefix BRK_). */
export const BROKER_ERROR_CODES = {
  BRK_PROTOCOL: 'a peer sent bytes that do not follow the Kafka wire protocol (the connection is closed)',
  BRK_STORAGE: 'the data directory cannot be used (for example another live broker holds it)',
} as const;

export type BrokerErrorCode = keyof typeof BROKER_ERROR_CODES;

export class BrokerError extends YshError {
  constructor(code: BrokerErrorCode, message: string, options: YshErrorOptions = {}) {
    super(code, message, options);
  }
}

/** The bytes of a request cannot be decoded; the connection that sent them is closed. */
export class ProtocolError extends BrokerError {
  constructor(message: string, options: YshErrorOptions = {}) {
    super('BRK_PROTOCOL', message, options);
  }
}
