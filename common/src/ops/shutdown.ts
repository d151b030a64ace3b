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
  /**
   * Whether a supervisor stops this process: a parent that spawned it with an
   * IPC channel, as `ysh start` does (the default when there is one). A
   * terminal's Ctrl-C sends SIGINT to the whole process group; the supervisor
   * got it too and stops its components in order (intake first, the broker
   * last) with SIGTERM, so a supervised process leaves SIGINT to it. It still
   * stops by itself when the supervisor goes away, on another SIGINT later, or
   * when the supervisor has not stopped it within `supervisedGraceMs`.
   */
  supervised?: boolean;
  /** How long a supervised process waits for its supervisor after SIGINT (default 10 s). */
  supervisedGraceMs?: number;
}

/**
 * SIGTERM/SIGINT handling: stop intake, flush, close — each step in order, the
 * whole within a deadline. A second signal while stopping exits at once.
 * Under a supervisor, SIGINT is the supervisor's to act on (see `supervised`).
 */
export function gracefulShutdown(options: GracefulShutdownOptions): GracefulShutdown {
  const steps: ShutdownStep[] = [];
  const deadlineMs = options.deadlineMs ?? 10_000;
  const exit = options.exit ?? true;
  let pending: Promise<void> | undefined;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];

  const supervised = options.supervised ?? process.channel !== undefined;
  let graceTimer: NodeJS.Timeout | undefined;

  const run = async (reason: string): Promise<void> => {
    clearTimeout(graceTimer);
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
  let interruptedAt = 0;
  if (supervised) {
    // The channel must not keep the process alive; its end means the supervisor is gone.
    process.channel?.unref();
    process.once('disconnect', () => void shutdown('supervisor gone'));
  }
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
      if (signal === 'SIGINT' && supervised) {
        if (interruptedAt === 0) {
          interruptedAt = Date.now();
          options.logger.info({ signal }, 'interrupted; waiting for the supervisor to stop this process in order');
          graceTimer = setTimeout(
            () => void shutdown('SIGINT, not stopped by the supervisor'),
            options.supervisedGraceMs ?? 10_000,
          );
          graceTimer.unref();
          return;
        }
        if (Date.now() - interruptedAt < 1000) return;
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
