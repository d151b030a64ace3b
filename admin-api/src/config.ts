import { type CommonConfig, DEFAULT_PORTS, env, loadCommonConfig, readEnv } from '@ysh/common';

/** Admin API options; every field has an environment variable (see README). */
export interface ApiConfig {
  common: Readonly<CommonConfig>;
  port: number;
  host: string;
  bodyLimitBytes: number;
  /** A request (headers and body) must arrive within this time; slow clients are cut off. */
  requestTimeoutMs: number;
  /** Idle keep-alive sockets and half-sent headers are closed after this. */
  connectionTimeoutMs: number;
  rateLimit: { max: number; windowMs: number };
  sessionTtlMs: number;
  /** Mark the cookies Secure (serve the API over HTTPS, or behind a TLS proxy). */
  secureCookies: boolean;
  /** Origins allowed by CORS; empty: CORS off. */
  corsOrigins: string[];
  /** Overlap window of a rotated site token: the old one still works this long. */
  tokenOverlapMs: number;
  /** Directory of the web console's static build served at `/` (optional). */
  consoleDir: string | undefined;
  /** How often the SSE feed reads new events. */
  eventPollMs: number;
}

export const apiEnv = {
  YSH_API_PORT: env.port({ default: DEFAULT_PORTS.api }),
  YSH_API_HOST: env.string({ default: '127.0.0.1', expects: 'a host name or address to listen on' }),
  YSH_API_BODY_LIMIT: env.int({ default: 256 * 1024, min: 1024 }),
  YSH_API_REQUEST_TIMEOUT: env.duration({ default: '15s' }),
  YSH_API_CONNECTION_TIMEOUT: env.duration({ default: '10s' }),
  YSH_API_RATE_LIMIT: env.int({ default: 600, min: 1 }),
  YSH_API_RATE_WINDOW: env.duration({ default: '1m' }),
  YSH_API_SESSION_TTL: env.duration({ default: '12h' }),
  YSH_API_SECURE_COOKIES: env.bool({ default: false }),
  YSH_API_CORS_ORIGINS: env.string({ default: '', expects: 'comma-separated origins such as https://ops.example.com' }),
  YSH_API_TOKEN_OVERLAP: env.duration({ default: '24h' }),
  YSH_API_CONSOLE_DIR: env.optional(env.string({ expects: 'the directory of the console build' })),
  YSH_API_EVENT_POLL: env.duration({ default: '500ms' }),
};

/** Reads the API's environment once; a wrong value throws a ConfigError naming the variable. */
export function loadApiConfig(source: NodeJS.ProcessEnv, cwd = process.cwd()): Readonly<ApiConfig> {
  const common = loadCommonConfig(source, cwd);
  const e = readEnv(apiEnv, source);
  return Object.freeze({
    common,
    port: e.YSH_API_PORT,
    host: e.YSH_API_HOST,
    bodyLimitBytes: e.YSH_API_BODY_LIMIT,
    requestTimeoutMs: Math.max(1000, e.YSH_API_REQUEST_TIMEOUT),
    connectionTimeoutMs: Math.max(1000, e.YSH_API_CONNECTION_TIMEOUT),
    rateLimit: Object.freeze({ max: e.YSH_API_RATE_LIMIT, windowMs: Math.max(1, e.YSH_API_RATE_WINDOW) }),
    sessionTtlMs: Math.max(60_000, e.YSH_API_SESSION_TTL),
    secureCookies: e.YSH_API_SECURE_COOKIES,
    corsOrigins: Object.freeze(
      e.YSH_API_CORS_ORIGINS.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ) as string[],
    tokenOverlapMs: e.YSH_API_TOKEN_OVERLAP,
    consoleDir: e.YSH_API_CONSOLE_DIR,
    eventPollMs: Math.max(50, e.YSH_API_EVENT_POLL),
  });
}
