import { type ErrorTable, tableError, type YshErrorOptions } from '@ysh/common';

/**
 * The embedded Kafka broker's own error table (prefix BRK_). Kafka-level problems are
 * not here: they go back to the client as Kafka error codes in the response.
 */
export const BROKER_ERRORS = {
  BRK_PROTOCOL: {
    retriable: false,
    description: 'a peer sent bytes that do not follow the Kafka wire protocol (the connection is closed)',
  },
  BRK_STORAGE: {
    retriable: false,
    description: 'the data directory cannot be used (for example another live broker holds it)',
  },
} as const satisfies ErrorTable;

export type BrokerErrorCode = keyof typeof BROKER_ERRORS;

export class BrokerError extends tableError(BROKER_ERRORS) {}

/** The bytes of a request cannot be decoded; the connection that sent them is closed. */
export class ProtocolError extends BrokerError {
  constructor(message: string, options: YshErrorOptions = {}) {
    super('BRK_PROTOCOL', message, options);
  }
}
