import { type ErrorTable, tableError } from '@ysh/common';

/** Errors of the console's build step (the browser app itself reports API errors, it throws none of its own). */
export const CONSOLE_ERRORS = {
  CONSOLE_BUILD_FAILED: {
    retriable: false,
    description: 'the console could not be built with Vite (the message names the file and the reason)',
  },
} as const satisfies ErrorTable;

export class ConsoleError extends tableError(CONSOLE_ERRORS) {}
