import type { CliCommand } from '@ysh/common';
import manifest from '../package.json' with { type: 'json' };
import { commands as dbCommands } from './db.ts';
import { commands as startCommands } from './start.ts';

/**
 * The `ysh` subcommands: the wiring layer's own (start, db), then those of
 * every workspace package this package depends on that offers a `./cli`
 * export (`commands: CliCommand[]`), in the order of cli/package.json. So a
 * component joins `ysh` by declaring that export and being a dependency here;
 * one whose package has no `./cli` export in this checkout (a component still
 * to come) is simply absent from `ysh --help`.
 */
const PACKAGES = Object.keys(manifest.dependencies).filter((name) => name.startsWith('@ysh/'));

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
  for (const name of PACKAGES) {
    const url = resolveExport(`${name}/cli`);
    if (!url) continue;
    const mod = (await import(url)) as { commands?: unknown };
    if (!Array.isArray(mod.commands)) throw new Error(`${name}/cli does not export commands: CliCommand[]`);
    for (const c of mod.commands) if (isCommand(c) && !out.some((o) => o.name === c.name)) out.push(c);
  }
  return out;
}
