import { type ErrorTable, tableError } from '@ysh/common';

/** The stream processor's error table (codes PROC_*). */
export const PROCESSOR_ERRORS = {
  PROC_FENCED: {
    retriable: false,
    status: 500,
    description: 'a partition was taken over by another instance; this instance resumes from the checkpoint',
  },
  PROC_SINK_FAILED: {
    retriable: true,
    status: 500,
    description: "InfluxDB did not accept a checkpoint's points; offsets stay uncommitted and the batch is retried",
  },
} as const satisfies ErrorTable;

export type ProcessorErrorCode = keyof typeof PROCESSOR_ERRORS;

export class ProcessorError extends tableError(PROCESSOR_ERRORS) {}
