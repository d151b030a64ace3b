import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CliCommand } from '@ysh/common';

/**
 * Where each component's subcommands live. A component package exports
 * `commands: CliCommand[]` from its `src/cli.ts`; one whose package is not in
 * this checkout is simply absent from `ysh --help`.
 */
const SOURCES: Array<{ component: string; file: string }> = [
  { component: 'platform', file: './start.ts' },
  { component: 'embedded', file: '../../embedded/src/cli.ts' },
  { component: 'embedded broker', file: '../../embedded/src/kafka/cli.ts' },
  { component: 'firmware-sim', file: '../../firmware-sim/src/cli.ts' },
  { component: 'edge-agent', file: '../../edge-agent/src/cli.ts' },
  { component: 'gateway', file: '../../gateway/src/cli.ts' },
  { component: 'stream-processor', file: '../../stream-processor/src/cli.ts' },
  { component: 'batch-jobs', file: '../../batch-jobs/src/cli.ts' },
  { component: 'admin-api', file: '../../admin-api/src/cli.ts' },
];

function isCommand(value: unknown): value is CliCommand {
  const c = value as CliCommand | undefined;
  return typeof c === 'object' && c !== null && typeof c.name === 'string' && typeof c.run === 'function';
}

export async function loadCommands(): Promise<CliCommand[]> {
  const out: CliCommand[] = [];
  for (const source of SOURCES) {
    const url = new URL(source.file, import.meta.url);
    if (!existsSync(fileURLToPath(url))) continue;
    const mod = (await import(url.href)) as Record<string, unknown>;
    const found = Array.isArray(mod.commands) ? mod.commands : Object.values(mod);
    for (const c of found) if (isCommand(c) && !out.some((o) => o.name === c.name)) out.push(c);
  }
  return out;
}
