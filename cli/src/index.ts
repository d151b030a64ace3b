import { ConfigError, isYshError, type CliCommand } from '@ysh/common';
import { loadCommands } from './registry.ts';
import { createServices } from './services.ts';

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const prev = d[i - 1] as number[];
      row[j] = Math.min(
        (prev[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

function help(commands: CliCommand[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'ysh — YSH Telemetry, edge-to-cloud telemetry for solar PV fleets',
    '',
    'usage: ysh <command> [flags]     ysh <command> --help',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Configuration comes from YSH_* environment variables (see README.md); unset means embedded.',
  ].join('\n');
}

/** Runs one ysh invocation and returns the exit code (2 for a usage or configuration error). */
export async function main(argv: string[]): Promise<number> {
  const commands = await loadCommands();
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${help(commands)}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    const nearest = commands.map((c) => ({ c, d: distance(name, c.name) })).sort((a, b) => a.d - b.d)[0];
    const hint = name.startsWith('-')
      ? `unknown flag ${name} (flags go after the command)`
      : `unknown command "${name}"${nearest && nearest.d <= 3 ? `; did you mean "${nearest.c.name}"?` : ''}`;
    process.stderr.write(`ysh: ${hint} (ysh --help lists the commands)\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    await command.run(rest, { services: createServices });
    // A command may have set its own exit code (e.g. 2 for a usage error it printed itself).
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`ysh ${command.name}: ${err.message}\n`);
      return 2;
    }
    if (isYshError(err)) {
      process.stderr.write(`ysh ${command.name}: ${err.code}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
