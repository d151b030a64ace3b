import { type ErrorTable, tableError } from '@ysh/common';

/** Errors of the embedded services other than the broker (codes EMB_*). */
export const EMBEDDED_ERRORS = {
  EMB_DATA_DIR_IN_USE: {
    retriable: false,
    description: 'another live process serves this data directory; connect to it instead of opening it again',
  },
} as const satisfies ErrorTable;

export class EmbeddedError extends tableError(EMBEDDED_ERRORS) {}
