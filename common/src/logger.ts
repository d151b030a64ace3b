import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export interface LoggerOptions {
  level?: LevelWithSilent;
  /** Write to this destination instead of stdout (tests). */
  destination?: NodeJS.WritableStream;
}

/** JSON logs (pino), one logger per component; children add context with `.child({ ... })`. */
export function createLogger(component: string, options: LoggerOptions = {}): Logger {
  const opts = {
    level: options.level ?? 'info',
    base: { component },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return options.destination ? pino(opts, options.destination) : pino(opts);
}
