import type { CliCommand } from '@ysh/common';
import { commands as dbCommands } from './db.ts';
import { commands as startCommands } from './start.ts';

/**
 * The `ysh` subcommands: the wiring layer's own (start, db) and each
 * component's, loaded through its package's declared `./cli` export
 * (`commands: CliCommand[]`). A package without that export in this checkout
 * (a component still to come) is simply absent from `ysh --help`.
 */
const PACKAGES = [
  '@ysh/embedded/cli',
  '@ysh/embedded/kafka/cli',
  '@ysh/firmware-sim/cli',
  '@ysh/edge-agent/cli',
  '@ysh/gateway/cli',
  '@ysh/stream-processor/cli',
  '@ysh/batch-jobs/cli',
  '@ysh/admin-api/cli',
] as const;

/** Resolution errors that mean "this package does not offer that export here"; anything else is a fault. */
const ABSENT = new Set(['ERR_PACKAGE_PATH_NOT_EXPORTED', 'ERR_MODULE_NOT_FOUND']);

function isCommand(value: unknown): value is CliCommand {
  const c = value as CliCommand | undefined;
  return typeof c === 'object' && c !== null && typeof c.name === 'string' && typeof c.run === 'function';
}

/** The URL of a package export, or undefined when the package or the export is not there. */
export function resolveExport(specifier: string): string | undefined {
  try {
    return import.meta.resolve(specifier);
  } catch (err) {
    if (ABSENT.has((err as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw err;
  }
}

export async function loadCommands(): Promise<CliCommand[]> {
  const out: CliCommand[] = [...startCommands, ...dbCommands];
  for (const specifier of PACKAGES) {
    const url = resolveExport(specifier);
    if (!url) continue;
    const mod = (await import(url)) as { commands?: unknown };
    if (!Array.isArray(mod.commands)) throw new Error(`${specifier} does not export commands: CliCommand[]`);
    for (const c of mod.commands) if (isCommand(c) && !out.some((o) => o.name === c.name)) out.push(c);
  }
  return out;
}
