import type { Logger } from 'pino';

/** kafkajs log levels (its `logLevel` enum); kept here so common does not depend on kafkajs. */
const KAFKAJS_ERROR = 1;
const KAFKAJS_WARN = 2;

/**
 * A kafkajs `logCreator` writing into our pino logger, one level down: kafkajs
 * reports retried connection errors as ERROR, which are warnings for us.
 */
export function kafkajsLogCreator(logger: Logger) {
  const child = logger.child({ lib: 'kafkajs' });
  return () =>
    ({ level, log }: { level: number; log: { message: string } & Record<string, unknown> }) => {
      const { message, ...extra } = log;
      if (level <= KAFKAJS_ERROR) child.warn(extra, message);
      else if (level === KAFKAJS_WARN) child.info(extra, message);
      else child.debug(extra, message);
    };
}
