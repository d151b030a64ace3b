import { commonEnv, ConfigError, createLogger, loadCommonConfig, parseFlags, type CliCommand } from '@ysh/common';
import { migrate } from '@ysh/common/db';
import { createServices } from './services.ts';

/** `ysh db migrate`: migrations on whichever database the wiring picks (real or embedded). */
export const dbCommand: CliCommand = {
  name: 'db',
  env: commonEnv,
  summary: 'database maintenance: `ysh db migrate` applies pending migrations',
  usage: `ysh db migrate

Applies pending migrations to YSH_DATABASE_URL, or to the embedded database (joining the
process that serves it, or opening it directly when none does). Safe to run at any time.`,
  async run(argv) {
    const { positionals } = parseFlags('db', argv, {}, true);
    if (positionals[0] !== 'migrate' || positionals.length !== 1) {
      throw new ConfigError('arguments', 'expected the subcommand "migrate" (see ysh db --help)');
    }
    const common = loadCommonConfig(process.env);
    const logger = createLogger('db', { level: common.logLevel });
    const db = await createServices(common).database({ logger, migrate: false });
    try {
      const result = await migrate(db.pool, { logger });
      process.stdout.write(
        `database ${db.mode === 'external' ? db.url.replace(/:[^:@/]*@/, ':***@') : `embedded (${db.mode})`}: ` +
          `schema version ${result.current}, applied ${result.applied.length ? result.applied.join(', ') : 'nothing (up to date)'}\n`,
      );
    } finally {
      await db.close();
    }
  },
};

export const commands: CliCommand[] = [dbCommand];
