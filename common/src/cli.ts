import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CommonConfig } from './config/common-config.ts';
import type { EnvSpec } from './config/env.ts';
import { ConfigError } from './errors.ts';
import {
  ServiceNotProvidedError,
  type ServiceProvider,
  type ServiceProviderFactory,
} from './services/service-provider.ts';

/** What the `ysh` dispatcher hands every command besides its arguments. */
export interface CliContext {
  /** Connections to the platform's services for a configuration: real ones from YSH_* variables, embedded stand-ins when unset. */
  services: ServiceProviderFactory;
}

/**
 * One `ysh` subcommand. Component packages export theirs from `src/cli.ts`
 * (package export "./cli") as `commands: CliCommand[]`; the `ysh` bin only
 * dispatches, handing each the services it wired (`context`).
 */
export interface CliCommand {
  name: string;
  summary: string;
  /** Full usage text printed by `ysh <name> --help`. */
  usage: string;
  /**
   * The environment variables the command's config loader reads (its env specs), so
   * deployment files can be checked against them (docker-compose.yml, see tests/).
   */
  env?: Readonly<Record<string, EnvSpec<unknown>>>;
  /** Resolves when a one-shot command is done; long-running commands resolve when stopped. */
  run(argv: string[], context?: CliContext): Promise<void>;
}

/** The services of a command run by the dispatcher; a typed error when it was run without them. */
export function commandServices(
  context: CliContext | undefined,
  common: Readonly<CommonConfig>,
  command: string,
): ServiceProvider {
  if (!context) throw new ServiceNotProvidedError(`the services of ysh ${command}`);
  return context.services(common);
}

export type FlagSpec = NonNullable<ParseArgsConfig['options']>;

/**
 * node:util parseArgs in strict mode; an unknown flag or a missing value
 * becomes a ConfigError naming the flag with a hint to `--help`.
 */
export function parseFlags<O extends FlagSpec>(
  command: string,
  argv: string[],
  options: O,
  allowPositionals = false,
): {
  values: ReturnType<
    typeof parseArgs<{ options: O; strict: true; allowPositionals: boolean; args: string[] }>
  >['values'];
  positionals: string[];
} {
  try {
    const parsed = parseArgs({ args: argv, options, strict: true, allowPositionals });
    return { values: parsed.values, positionals: parsed.positionals };
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new ConfigError('arguments', `${message} (see ysh ${command} --help)`);
  }
}

/** A numeric flag value, checked and converted; names the flag when wrong. */
export function intFlag(
  name: string,
  raw: string | undefined,
  fallback: number,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(`--${name}`, `expected an integer, got ${JSON.stringify(raw)}`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(`--${name}`, `expected an integer between ${min} and ${max}, got ${n}`);
  return n;
}

export function numberFlag(
  name: string,
  raw: string | undefined,
  fallback: number,
  min = -Infinity,
  max = Infinity,
): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    throw new ConfigError(`--${name}`, `expected a number between ${min} and ${max}, got ${JSON.stringify(raw)}`);
  }
  return n;
}
