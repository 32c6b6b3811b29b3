import type { Command } from 'commander';
import {
  CONSOLE_ROLES,
  ensureTenant,
  formatTimestamp,
  inviteConsoleUser,
  systemClock,
  type ConsoleRole,
} from '@keyra/core';
import { DEFAULT_TENANT } from '../bootstrap.js';
import { inviteUrl } from '../routes/console/consoleApiRoutes.js';
import { CliError } from './cliError.js';
import { DATABASE_OPTION_HELP, withStorage } from './databaseOption.js';

/** The server's public address: `--base-url`, then KEYRA_PUBLIC_URL, then localhost on KEYRA_PORT. */
function baseUrl(flag: string | undefined): string {
  // localhost, not 127.0.0.1: passkeys need a host name that matches the relying party.
  const raw =
    flag ?? process.env.KEYRA_PUBLIC_URL ?? `http://localhost:${process.env.KEYRA_PORT ?? 8787}`;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new CliError(
      `--base-url must be a URL like https://keyra.example.com; got ${JSON.stringify(raw)}.`,
    );
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new CliError(`--base-url must be http(s); got ${JSON.stringify(raw)}.`);
  return parsed.origin + parsed.pathname.replace(/\/+$/, '');
}

export function registerConsoleCommands(program: Command): void {
  const consoleCommand = program
    .command('console')
    .description('Console users: invite the first owner (and others) to sign in with a passkey.');

  consoleCommand
    .command('invite')
    .description(
      'Print a one-time enrolment link (valid 72 h) for a console user; creates the tenant if needed.',
    )
    .option('--email <address>', 'who is invited (required)')
    .option('--role <role>', `one of ${CONSOLE_ROLES.join(', ')}`, 'owner')
    .option('--tenant <name>', 'tenant name', DEFAULT_TENANT)
    .option(
      '--base-url <url>',
      'where the server is reached (env KEYRA_PUBLIC_URL; default http://localhost:8787)',
    )
    .option('--database <url>', DATABASE_OPTION_HELP)
    .option('--json', 'print {"inviteUrl","expiresAt","id","email","role","tenant"} as JSON')
    .action(
      async (flags: {
        email?: string;
        role: string;
        tenant: string;
        baseUrl?: string;
        database?: string;
        json?: boolean;
      }) => {
        if (!flags.email)
          throw new CliError('--email is required: keyra console invite --email ADDRESS');
        if (!(CONSOLE_ROLES as readonly string[]).includes(flags.role))
          throw new CliError(
            `--role must be one of ${CONSOLE_ROLES.join(', ')}; got ${JSON.stringify(flags.role)}.`,
          );
        const base = baseUrl(flags.baseUrl);
        await withStorage(flags.database, async (storage) => {
          const now = systemClock.now();
          const { tenant } = await ensureTenant(storage.tenants, flags.tenant, now);
          const { invite, token } = await inviteConsoleUser(
            storage.console,
            {
              tenantId: tenant.id,
              email: flags.email as string,
              role: flags.role as ConsoleRole,
              invitedBy: null,
            },
            now,
          );
          const url = inviteUrl(base, token);
          if (flags.json) {
            console.log(
              JSON.stringify({
                inviteUrl: url,
                expiresAt: formatTimestamp(invite.expiresAt),
                id: invite.id,
                email: invite.email,
                role: invite.role,
                tenant: tenant.name,
                tenantId: tenant.id,
              }),
            );
          } else {
            console.log(`Invited ${invite.email} as ${invite.role} of tenant "${tenant.name}".`);
            console.log(`\n  ${url}\n`);
            console.log(
              `Open it in a browser before ${formatTimestamp(invite.expiresAt)} to enrol a passkey; it works once.`,
            );
          }
        });
      },
    );
}
