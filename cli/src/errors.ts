import { type ErrorTable, tableError } from '@ysh/common';

/** Errors of the `ysh` command itself (codes PLATFORM_*). */
export const PLATFORM_ERRORS = {
  PLATFORM_START_FAILED: {
    retriable: false,
    description: '`ysh start` could not bring up a part of the platform (a port taken, a component that did not start)',
  },
} as const satisfies ErrorTable;

export class PlatformError extends tableError(PLATFORM_ERRORS) {}
