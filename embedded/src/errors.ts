import { type ErrorTable, errorOptions, YshError, type YshErrorOptions } from '@ysh/common';

/** Errors of the embedded services other than the broker (codes EMB_*). */
export const EMBEDDED_ERRORS = {
  EMB_DATA_DIR_IN_USE: {
    retriable: false,
    description: 'another live process serves this data directory; connect to it instead of opening it again',
  },
} as const satisfies ErrorTable;

export class EmbeddedError extends YshError {
  constructor(code: keyof typeof EMBEDDED_ERRORS, message: string, options: YshErrorOptions = {}) {
    super(code, message, errorOptions(EMBEDDED_ERRORS, code, options));
  }
}
