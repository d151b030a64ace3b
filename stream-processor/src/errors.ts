import { YshError, type YshErrorOptions } from '@ysh/common';

/** Stream-processor error codes and what they mean. */
export const PROCESSOR_ERROR_CODES = {
  PROC_CONFIG: 'a processor option (rules, nameplates, sinks) is invalid',
  PROC_FENCED: 'a partition was taken over by another instance; this instance resumes from the checkpoint',
  PROC_SINK_FAILED: 'a sink (InfluxDB, PostgreSQL) did not accept a checkpoint; offsets stay uncommitted',
  PROC_NOT_STARTED: 'the processor was used before it started or after it stopped',
} as const;

export type ProcessorErrorCode = keyof typeof PROCESSOR_ERROR_CODES;

export class ProcessorError extends YshError {
  constructor(code: ProcessorErrorCode, message: string, options: YshErrorOptions = {}) {
    super(code, message, { httpStatus: 500, ...options });
  }
}
