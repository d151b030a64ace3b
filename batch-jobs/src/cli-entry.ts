import type { CliCommand, CliContext } from '@ysh/common';
import { type CommandMeta, JOBS_META, PROPOSTA_META, RAG_META, SEARCH_META, TARIFA_META } from './cli/commands-meta.ts';

/**
 * The package's `./cli` export: the batch-jobs commands as `ysh` lists them, each loading the
 * implementation (cli.ts: the engine, the assets, pg-boss, PDFKit, the tokenizer…) only when it
 * runs. Loading it up front cost every other `ysh` command, each component of `ysh start`
 * among them, about 1.7 s of a core.
 */
function lazy(meta: CommandMeta): CliCommand {
  return {
    ...meta,
    async run(argv: string[], context?: CliContext) {
      const { commands } = await import('./cli.ts');
      const command = commands.find((c) => c.name === meta.name);
      if (!command) throw new Error(`batch-jobs: command ${meta.name} has no implementation`);
      return command.run(argv, context);
    },
  };
}

export const commands: CliCommand[] = [JOBS_META, TARIFA_META, PROPOSTA_META, RAG_META, SEARCH_META].map(lazy);
