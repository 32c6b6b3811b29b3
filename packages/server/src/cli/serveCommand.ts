import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError, loadConfig, redactUrl, type ServerConfig } from '../config.js';
import { sandboxKeyFile } from '../bootstrap.js';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'Run the KEYRA API server (SQLite by default; PostgreSQL and Redis for a cluster).',
    )
    .option('--port <n>', 'port to listen on (env KEYRA_PORT)', undefined)
    .option('--host <address>', 'address to bind (env KEYRA_HOST)', undefined)
    .option(
      '--database <url>',
      'sqlite:PATH or postgres://… (env KEYRA_DATABASE_URL; default sqlite:.keyra/keyra.db)',
    )
    .option(
      '--redis <url>',
      'Redis URL for rate limits shared by all instances (env KEYRA_REDIS_URL)',
    )
    .option(
      '--data-dir <dir>',
      'directory for the SQLite file and generated secrets (env KEYRA_DATA_DIR; default .keyra)',
    )
    .option(
      '--log-format <format>',
      'json (one JSON object per line) or pretty (one readable line); env KEYRA_LOG_FORMAT; default pretty on a terminal, json otherwise',
    )
    .option(
      '--dev',
      'development mode: allow http:// and loopback URLs (env KEYRA_DEV); never use in production',
    )
    .addHelpText(
      'after',
      '\nOther settings come from the environment: KEYRA_LOG_LEVEL, KEYRA_RATE_LIMIT_PER_KEY, KEYRA_RATE_LIMIT_PER_IP,\nKEYRA_RATE_LIMIT_WINDOW_SECONDS, KEYRA_KEY_ROTATION_GRACE_SECONDS, KEYRA_BODY_LIMIT_BYTES, KEYRA_TRUST_PROXY.\nSee docs/configuration.md.',
    )
    .action(
      async (flags: {
        port?: string;
        host?: string;
        database?: string;
        redis?: string;
        dataDir?: string;
        logFormat?: string;
        dev?: boolean;
      }) => {
        const config = loadConfig({
          port: flags.port,
          host: flags.host,
          database: flags.database,
          redis: flags.redis,
          dataDir: flags.dataDir,
          logFormat: flags.logFormat,
          dev: flags.dev,
        });
        // Loaded on demand so `keyra --help` and the key commands start fast.
        const { startServer } = await import('../startServer.js');
        const server = await startServer(config).catch((error: unknown) => {
          throw explainStartFailure(error, config);
        });
        const keyFile =
          server.sandboxKeyFile ??
          (existsSync(sandboxKeyFile(config.dataDir)) ? sandboxKeyFile(config.dataDir) : null);
        // Human-facing lines go to stderr so stdout stays pure JSON logs.
        process.stderr.write(
          `\nKEYRA is running at ${server.url}  (API docs: ${server.url}/docs)\nConsole: ${consoleUrl(server.url)}\n`,
        );
        if (server.sandboxKeyFile) {
          process.stderr.write(
            `Created a sandbox tenant. Its API key is in ${keyFile} (mode 0600):\n  export KEYRA_API_KEY=$(cat ${keyFile})\n\n`,
          );
        } else if (keyFile) {
          process.stderr.write(`Sandbox API key file: ${keyFile}\n\n`);
        } else {
          process.stderr.write(
            'Create an API key with: npx keyra keys create --env sandbox --json\n\n',
          );
        }
        await new Promise<void>((resolve) => {
          let signalled = false;
          const shutdown = (signal: NodeJS.Signals): void => {
            if (signalled) return;
            signalled = true;
            server.app.log.info({ signal }, 'shutting down');
            const force = setTimeout(() => {
              server.app.log.error('graceful shutdown timed out after 10 s; exiting');
              process.exit(1);
            }, 10_000);
            force.unref();
            server.close().then(resolve, (error: unknown) => {
              server.app.log.error({ reason: (error as Error).message }, 'error during shutdown');
              resolve();
            });
          };
          process.once('SIGINT', shutdown);
          process.once('SIGTERM', shutdown);
        });
      },
    );
}

/**
 * The console's URL for the banner. Browsers refuse passkeys on an IP address, so a loopback or
 * wildcard bind is shown as `localhost`; another host is shown as it is.
 */
export function consoleUrl(serverUrl: string): string {
  const url = new URL('/console', serverUrl);
  if (['127.0.0.1', '0.0.0.0', '[::1]', '[::]'].includes(url.hostname)) url.hostname = 'localhost';
  return url.href;
}

/**
 * The failures a host can cause at boot, as the one line with the fix that docs/configuration.md
 * promises (exit code 2): a port in use or not allowed, a SQLite path that cannot be created or
 * opened, a Redis that does not answer. Anything else is passed on as it is.
 */
export function explainStartFailure(error: unknown, config: ServerConfig): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const where = `${config.host}:${config.port}`;
  if (code === 'EADDRINUSE')
    return new ConfigError(
      `${where} is already in use: stop the process listening there, or choose another port with --port or KEYRA_PORT.`,
    );
  if (code === 'EACCES' && (error as NodeJS.ErrnoException).syscall === 'listen')
    return new ConfigError(
      `Not allowed to listen on ${where} (ports below 1024 need privileges): choose another port with --port or KEYRA_PORT.`,
    );
  if ((error as Error | null)?.name === 'RedisUnreachableError')
    return new ConfigError(
      `${(error as Error).message}: start Redis, or leave out --redis (KEYRA_REDIS_URL) to keep rate-limit counters in this process. Once running, a server rides out Redis outages (rate limits fail open; docs/reliability.md).`,
    );
  const sqlite = config.databaseUrl.startsWith('sqlite:');
  if (
    sqlite &&
    ([
      'EACCES',
      'EPERM',
      'EEXIST',
      'ENOTDIR',
      'EROFS',
      'SQLITE_CANTOPEN',
      'SQLITE_READONLY',
    ].includes(code ?? '') ||
      /unable to open database file|readonly database/i.test((error as Error).message))
  )
    return new ConfigError(
      `Cannot create or open the SQLite database ${redactUrl(config.databaseUrl)} (${(error as Error).message}): choose a writable path with --database sqlite:PATH or --data-dir DIR.`,
    );
  return error;
}
