import type { Logger } from 'pino';

export interface ShutdownStep {
  name: string;
  /** Runs in registration order: register "stop intake" first, then "flush", then "close". */
  run: () => Promise<void> | void;
}

export interface GracefulShutdown {
  add(step: ShutdownStep): void;
  /** Runs every step once; later calls return the same promise. */
  shutdown(reason: string): Promise<void>;
  readonly stopping: boolean;
}

export interface GracefulShutdownOptions {
  logger: Logger;
  /** Hard deadline: past it the process exits with code 1 whatever is still pending. */
  deadlineMs?: number;
  signals?: NodeJS.Signals[];
  /** Exit the process when done (default true); tests pass false. */
  exit?: boolean;
}

/**
 * SIGTERM/SIGINT handling: stop intake, flush, close — each step in order, the
 * whole within a deadline. A second signal while stopping exits at once.
 */
export function gracefulShutdown(options: GracefulShutdownOptions): GracefulShutdown {
  const steps: ShutdownStep[] = [];
  const deadlineMs = options.deadlineMs ?? 10_000;
  const exit = options.exit ?? true;
  let pending: Promise<void> | undefined;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];

  const run = async (reason: string): Promise<void> => {
    options.logger.info({ reason }, 'shutting down');
    const timer = setTimeout(() => {
      options.logger.error({ deadlineMs }, 'shutdown deadline passed, exiting');
      if (exit) process.exit(1);
    }, deadlineMs);
    timer.unref();
    let failed = false;
    for (const step of steps) {
      try {
        await step.run();
      } catch (err) {
        failed = true;
        options.logger.error({ err, step: step.name }, 'shutdown step failed');
      }
    }
    clearTimeout(timer);
    options.logger.info('stopped');
    if (exit) process.exit(failed ? 1 : 0);
  };

  const shutdown = (reason: string): Promise<void> => {
    pending ??= run(reason);
    return pending;
  };

  let firstSignalAt = 0;
  for (const signal of signals) {
    process.on(signal, () => {
      // Ctrl-C under `npm start` reaches the process twice (terminal and npm); only a
      // second signal given deliberately later forces the exit.
      if (pending && Date.now() - firstSignalAt < 1000) return;
      if (pending) {
        options.logger.warn({ signal }, 'second signal, exiting now');
        if (exit) process.exit(130);
        return;
      }
      firstSignalAt = Date.now();
      void shutdown(signal);
    });
  }

  return {
    add: (step) => steps.push(step),
    shutdown,
    get stopping() {
      return pending !== undefined;
    },
  };
}
