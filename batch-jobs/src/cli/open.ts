import {
  commandServices,
  createLogger,
  loadConfigOrExit,
  type CliContext,
  type DatabaseHandle,
  type Logger,
} from '@ysh/common';
import { DatabaseError, type Pool } from '@ysh/common/db';
import { loadJobsConfig, type JobsConfig } from '../config.ts';
import { loadDefinitions, type JobsDefinitions } from '../definitions.ts';

/** What a one-shot `ysh jobs|rag|search` command works with. */
export interface Opened {
  config: JobsConfig;
  pool: Pool;
  defs: JobsDefinitions;
  logger: Logger;
  close(): Promise<void>;
}

export async function open(context: CliContext | undefined, component = 'jobs', level?: 'warn'): Promise<Opened> {
  const config = loadConfigOrExit(() => loadJobsConfig(process.env), 'jobs');
  const logger = createLogger(
    component,
    level ? { level, destination: process.stderr } : { level: config.common.logLevel },
  );
  const db = await openDatabaseOrExplain(context, config, logger, `ysh-${component}`);
  const defs = await loadDefinitions(config);
  return { config, pool: db.pool, defs, logger, close: () => db.close() };
}

/**
 * The database the wiring layer picks (YSH_DATABASE_URL, or the embedded PostgreSQL: joined when
 * `ysh start` / `ysh postgres` serves it, served by this process otherwise), migrated; an
 * unreachable server is one clear line, not a stack trace.
 */
export async function openDatabaseOrExplain(
  context: CliContext | undefined,
  config: JobsConfig,
  logger: Logger,
  application: string,
): Promise<DatabaseHandle> {
  const services = commandServices(context, config.common, 'jobs');
  try {
    return await services.database({ logger, application, max: config.concurrency + 3 });
  } catch (err) {
    if (err instanceof DatabaseError) throw err;
    const where = new URL(config.databaseUrl);
    throw new DatabaseError(
      'DB_UNAVAILABLE',
      `cannot reach PostgreSQL at ${where.hostname}:${where.port || 5432} (${(err as Error).message}); start it (ysh start, ysh postgres) or set YSH_DATABASE_URL`,
      err,
    );
  }
}
