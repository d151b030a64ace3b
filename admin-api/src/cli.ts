import {
  commandServices,
  commonEnv,
  createLogger,
  gracefulShutdown,
  intFlag,
  loadCommonConfig,
  loadConfigOrExit,
  parseFlags,
  type CliCommand,
  type CliContext,
  type DatabaseHandle,
} from '@ysh/common';
import { apiEnv, loadApiConfig } from './config.ts';
import { consoleDir } from './console-build.ts';
import { ROLES, type Role } from './identity/principal.ts';

// The server is imported when `ysh api` runs: `ysh` loads every package's commands to dispatch.

const API_USAGE = `Usage: ysh api [--port P]

The admin API: /v1 (sites, devices, telemetry, alerts, jobs, users, audit, events),
OpenAPI at /openapi.json, interactive docs at /docs, /health, /metrics.
Options come from the environment (see admin-api/README.md); --port overrides YSH_API_PORT.`;

const USERS_USAGE = `Usage: ysh users <command>

  ysh users add <email> --role admin|operator|viewer [--sites a,b] [--password P]
                          create a user (a password is generated and printed when not given;
                          --sites limits the user to those sites, default every site)
  ysh users list          list users
  ysh users disable <email>   disable a user (sessions end; API keys stop working)`;

const APIKEYS_USAGE = `Usage: ysh apikeys <command>

  ysh apikeys create <email> [--name N]   create an API key for the user (printed once, as the last word)
  ysh apikeys revoke <id>                  revoke an API key by id`;

async function withDatabase(
  context: CliContext | undefined,
  command: string,
  fn: (db: DatabaseHandle) => Promise<void>,
) {
  const common = loadConfigOrExit(() => loadCommonConfig(process.env), command);
  const logger = createLogger(command, { level: 'warn', destination: process.stderr });
  const db = await commandServices(context, common, command).database({
    logger,
    application: `ysh-${command}`,
    max: 2,
  });
  try {
    await fn(db);
  } finally {
    await db.close();
  }
}

function usage(text: string): void {
  process.stderr.write(`${text}\n`);
  process.exitCode = 2;
}

const apiCommand: CliCommand = {
  name: 'api',
  env: { ...commonEnv, ...apiEnv },
  summary: 'run the admin API (REST + OpenAPI + SSE for operators and the web console)',
  usage: API_USAGE,
  async run(argv, context) {
    const { values } = parseFlags('api', argv, { port: { type: 'string' } });
    const config = loadConfigOrExit(() => {
      const c = loadApiConfig(process.env);
      return values.port === undefined ? c : { ...c, port: intFlag('port', values.port, c.port, 0, 65535) };
    }, 'api');
    const logger = createLogger('admin-api', { level: config.common.logLevel });
    const shutdown = gracefulShutdown({ logger, deadlineMs: 10_000 });
    const services = commandServices(context, config.common, 'api');
    const { startApi } = await import('./api.ts');
    const api = await startApi(
      { ...config, consoleDir: await consoleDir(config.consoleDir, logger) },
      { logger, services },
    );
    shutdown.add({ name: 'admin API', run: () => api.close() });
    await new Promise<void>(() => {});
  },
};

const usersCommand: CliCommand = {
  name: 'users',
  summary: 'admin API users (add, list, disable)',
  usage: USERS_USAGE,
  async run(argv, context) {
    const { values, positionals } = parseFlags(
      'users',
      argv,
      { role: { type: 'string' }, sites: { type: 'string' }, password: { type: 'string' } },
      true,
    );
    const [action, email, ...rest] = positionals;
    if (!action || !['add', 'list', 'disable'].includes(action) || (action !== 'list' && !email) || rest.length > 0)
      return usage(USERS_USAGE);
    if (action === 'add' && !(ROLES as readonly string[]).includes(values.role ?? '')) return usage(USERS_USAGE);
    const { IdentityStore } = await import('./identity/identity-store.ts');
    const { randomBytes } = await import('node:crypto');
    await withDatabase(context, 'users', async (db) => {
      const store = new IdentityStore(db.pool, { sessionTtlMs: 3_600_000 });
      const out = (line: string) => process.stdout.write(`${line}\n`);
      if (action === 'add') {
        const password = values.password ?? randomBytes(12).toString('base64url');
        const sites = values.sites
          ? values.sites
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean)
          : null;
        const user = await store.addUser({ email: email as string, password, role: values.role as Role, sites });
        out(`user ${user.email} (${user.role}, sites: ${user.sites?.join(',') ?? 'all'}) added`);
        if (values.password === undefined) out(`password (shown once): ${password}`);
      } else if (action === 'disable') {
        const user = await store.findUserByEmail(email as string);
        if (!user) {
          process.stderr.write(`no user ${email}\n`);
          process.exitCode = 1;
          return;
        }
        await store.updateUser(user.id, { disabled: true });
        out(`user ${user.email} disabled`);
      } else {
        let after: string | null = null;
        for (;;) {
          const page = await store.listUsers({ after, limit: 500 });
          for (const u of page)
            out(
              `${u.id}\t${u.email}\t${u.role}\tsites=${u.sites?.join(',') ?? 'all'}${u.disabled ? '\tdisabled' : ''}`,
            );
          if (page.length < 500) break;
          after = page[page.length - 1]?.id ?? null;
        }
      }
    });
  },
};

const apikeysCommand: CliCommand = {
  name: 'apikeys',
  summary: 'admin API keys (create, revoke)',
  usage: APIKEYS_USAGE,
  async run(argv, context) {
    const { values, positionals } = parseFlags('apikeys', argv, { name: { type: 'string' } }, true);
    const [action, subject, ...rest] = positionals;
    if (!action || !['create', 'revoke'].includes(action) || !subject || rest.length > 0) return usage(APIKEYS_USAGE);
    const { IdentityStore } = await import('./identity/identity-store.ts');
    await withDatabase(context, 'apikeys', async (db) => {
      const store = new IdentityStore(db.pool, { sessionTtlMs: 3_600_000 });
      if (action === 'create') {
        const user = await store.findUserByEmail(subject);
        if (!user) {
          process.stderr.write(`no user ${subject}\n`);
          process.exitCode = 1;
          return;
        }
        const { key, info } = await store.createApiKey(user.id, values.name ?? 'cli');
        process.stdout.write(`API key ${info.id} for ${user.email} (shown once, store it now): ${key}\n`);
      } else {
        if (!(await store.revokeApiKey(subject, null))) {
          process.stderr.write(`no live API key ${subject}\n`);
          process.exitCode = 1;
          return;
        }
        process.stdout.write(`API key ${subject} revoked\n`);
      }
    });
  },
};

export const commands: CliCommand[] = [apiCommand, usersCommand, apikeysCommand];
