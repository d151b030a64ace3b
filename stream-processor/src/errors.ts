import { YshError, type YshErrorOptions } from '@ysh/common';

/** Stream-processor error codes and what they mean. */
export const PROCESSOR_ERROR_CODES = {
  PROC_FENCED: 'a partition was taken over by another instance; this instance resumes from the checkpoint',
  PROC_SINK_FAILED: "InfluxDB did not accept a checkpoint's points; offsets stay uncommitted and the batch is retried",
} as const;

export type ProcessorErrorCode = keyof typeof PROCESSOR_ERROR_CODES;

export class ProcessorError extends YshError {
  constructor(code: ProcessorErrorCode, message: string, options: YshErrorOptions = {}) {
    super(code, message, { httpStatus: 500, ...options });
  }
}
