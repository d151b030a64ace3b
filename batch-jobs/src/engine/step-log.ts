import type { Logger } from '@ysh/common';
import type { StepLog } from '../graph/asset.ts';

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  data: Record<string, unknown> | undefined;
  at: Date;
}

/**
 * ctx.log of a step: each line goes to the process log at once and is kept
 * for job_step_logs, written with the step's outcome (a worker killed mid-step
 * loses the lines of that attempt only; the attempt itself is recorded).
 */
export class BufferedStepLog implements StepLog {
  readonly entries: LogEntry[] = [];
  constructor(
    private readonly logger: Logger,
    private readonly max = 1000,
  ) {}

  private add(level: LogEntry['level'], message: string, data?: Record<string, unknown>): void {
    this.logger[level](data ?? {}, message);
    if (this.entries.length < this.max) this.entries.push({ level, message, data, at: new Date() });
  }

  debug(message: string, data?: Record<string, unknown>): void {
    this.add('debug', message, data);
  }
  info(message: string, data?: Record<string, unknown>): void {
    this.add('info', message, data);
  }
  warn(message: string, data?: Record<string, unknown>): void {
    this.add('warn', message, data);
  }
  error(message: string, data?: Record<string, unknown>): void {
    this.add('error', message, data);
  }
}
