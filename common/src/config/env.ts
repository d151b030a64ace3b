import { ConfigError } from '../errors.ts';
import { parseDuration } from './duration.ts';

/**
 * Typed environment-variable specs. Each spec parses one raw string and says
 * in words what it expects, so a bad value becomes one line naming the variable.
 */
export interface EnvSpec<T> {
  readonly expects: string;
  readonly parse: (raw: string | undefined) => T;
}

type Opt<T> = { default?: T };

function spec<T>(expects: string, fallback: T | undefined, convert: (raw: string) => T | undefined): EnvSpec<T> {
  return {
    expects,
    parse(raw) {
      if (raw === undefined || raw === '') {
        if (fallback !== undefined) return fallback;
        throw new Error('missing');
      }
      const value = convert(raw);
      if (value === undefined) throw new Error('invalid');
      return value;
    },
  };
}

function optional<T>(inner: EnvSpec<T>): EnvSpec<T | undefined> {
  return {
    expects: `${inner.expects} (optional)`,
    parse: (raw) => (raw === undefined || raw === '' ? undefined : inner.parse(raw)),
  };
}

export const env = {
  string: (o: Opt<string> & { expects?: string } = {}) =>
    spec(o.expects ?? 'a non-empty string', o.default, (raw) => raw),
  int: (o: Opt<number> & { min?: number; max?: number } = {}) => {
    const min = o.min ?? Number.MIN_SAFE_INTEGER;
    const max = o.max ?? Number.MAX_SAFE_INTEGER;
    return spec(`an integer between ${min} and ${max}`, o.default, (raw) => {
      if (!/^-?\d+$/.test(raw.trim())) return undefined;
      const n = Number(raw);
      return n >= min && n <= max ? n : undefined;
    });
  },
  number: (o: Opt<number> & { min?: number; max?: number } = {}) => {
    const min = o.min ?? -Infinity;
    const max = o.max ?? Infinity;
    return spec(`a number between ${min} and ${max}`, o.default, (raw) => {
      const n = Number(raw.trim());
      return raw.trim() !== '' && Number.isFinite(n) && n >= min && n <= max ? n : undefined;
    });
  },
  port: (o: Opt<number> = {}) =>
    spec('a TCP port number (0-65535)', o.default, (raw) => {
      if (!/^\d+$/.test(raw.trim())) return undefined;
      const n = Number(raw);
      return n <= 65535 ? n : undefined;
    }),
  bool: (o: Opt<boolean> = {}) =>
    spec('true or false (also 1/0, yes/no)', o.default, (raw) => {
      const v = raw.trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(v)) return true;
      if (['false', '0', 'no', 'off'].includes(v)) return false;
      return undefined;
    }),
  oneOf: <T extends string>(values: readonly T[], o: Opt<T> = {}) =>
    spec(`one of ${values.join(', ')}`, o.default, (raw) =>
      (values as readonly string[]).includes(raw.trim()) ? (raw.trim() as T) : undefined,
    ),
  /** Milliseconds from "500ms", "30s", "5m", "1h", "7d". */
  duration: (o: { default?: string } = {}) =>
    spec(
      'a duration such as 500ms, 30s, 5m, 1h or 7d',
      o.default === undefined ? undefined : parseDuration(o.default),
      parseDuration,
    ),
  url: (o: Opt<string> & { protocols: readonly string[] }) =>
    spec(`a URL starting with ${o.protocols.map((p) => `${p}//`).join(' or ')}`, o.default, (raw) => {
      try {
        const url = new URL(raw.trim());
        return o.protocols.includes(url.protocol) ? raw.trim() : undefined;
      } catch {
        return undefined;
      }
    }),
  /** Comma-separated host:port list, e.g. "kafka-1:9092,kafka-2:9092". */
  hostPorts: (o: Opt<string[]> = {}) =>
    spec('a comma-separated list of host:port', o.default, (raw) => {
      const items = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const ok =
        items.length > 0 && items.every((s) => /^[^\s:]+:\d{1,5}$/.test(s) && Number(s.split(':').pop()) <= 65535);
      return ok ? items : undefined;
    }),
  optional,
};

export type EnvSpecs = Record<string, EnvSpec<unknown>>;
export type EnvValues<S extends EnvSpecs> = { readonly [K in keyof S]: S[K] extends EnvSpec<infer T> ? T : never };

/**
 * Reads every variable of `specs` from `source` once. The first wrong or
 * missing value throws a ConfigError whose message is one line:
 * `YSH_GATEWAY_PORT: expected a TCP port number (0-65535), got "http"`.
 */
export function readEnv<S extends EnvSpecs>(specs: S, source: NodeJS.ProcessEnv): EnvValues<S> {
  const out: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(specs)) {
    const raw = source[name];
    try {
      out[name] = s.parse(raw);
    } catch (err) {
      const got = raw === undefined || raw === '' ? 'it is not set' : `got ${JSON.stringify(raw)}`;
      throw new ConfigError(name, `expected ${s.expects}, ${got}`, { cause: err });
    }
  }
  return Object.freeze(out) as EnvValues<S>;
}

/**
 * Runs a config loader at start-up; on a ConfigError prints its one line to
 * stderr and exits with code 2 (no stack trace for a user's mistake).
 */
export function loadConfigOrExit<T>(load: () => T, component: string): T {
  try {
    return load();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`ysh ${component}: configuration error: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}
