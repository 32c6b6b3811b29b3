import { Option, type Command } from 'commander';
import {
  createOAuthClient,
  ensureTenant,
  formatTimestamp,
  systemClock,
  type DeliveryMode,
  type Environment,
  type OAuthClientRecord,
} from '@keyra/core';
import { DEFAULT_TENANT } from '../bootstrap.js';
import { createWebhookUrlGuard } from '../webhooks/webhookUrlGuard.js';
import { CliError } from './cliError.js';
import { DATABASE_OPTION_HELP, withStorage } from './databaseOption.js';

function envOption(): Option {
  return new Option('--env <env>', 'environment of the client').choices(['sandbox', 'production']);
}

function clientJson(client: OAuthClientRecord, tenant: string): Record<string, unknown> {
  return {
    clientId: client.id,
    name: client.name,
    env: client.environment,
    tenant,
    delivery: client.deliveryMode,
    notifyUrl: client.notifyUrl,
    state: client.revokedAt === null ? 'active' : 'revoked',
    createdAt: formatTimestamp(client.createdAt),
    revokedAt: client.revokedAt === null ? null : formatTimestamp(client.revokedAt),
  };
}

/** `keyra clients create|list|revoke`: OAuth clients of the OpenID CIBA front door (docs/ciba.md). */
export function registerClientsCommands(program: Command): void {
  const clients = program
    .command('clients')
    .description('Create, list and revoke OAuth clients of the OpenID CIBA front door.');

  clients
    .command('create')
    .description(
      'Create an OAuth client (its secret is shown once; KEYRA keeps only its hash); creates the tenant if needed.',
    )
    .addOption(envOption().makeOptionMandatory())
    .option('--tenant <name>', 'tenant name', DEFAULT_TENANT)
    .requiredOption('--name <name>', 'a name for the client (shown in listings)')
    .addOption(
      new Option('--delivery <mode>', 'how the client learns of a decision (CIBA token delivery)')
        .choices(['poll', 'ping', 'push'])
        .default('poll'),
    )
    .option(
      '--notify-url <url>',
      'client_notification_endpoint, required for ping and push (https, public address)',
    )
    .option('--dev', 'allow an http or loopback --notify-url (the server must run with --dev too)')
    .option('--database <url>', DATABASE_OPTION_HELP)
    .option('--json', 'print {"clientId","clientSecret",…} as JSON')
    .action(
      async (flags: {
        env: Environment;
        tenant: string;
        name: string;
        delivery: DeliveryMode;
        notifyUrl?: string;
        dev?: boolean;
        database?: string;
        json?: boolean;
      }) => {
        await withStorage(flags.database, async (storage) => {
          const now = systemClock.now();
          const { tenant } = await ensureTenant(storage.tenants, flags.tenant, now);
          const issued = await createOAuthClient(
            { tenantId: tenant.id, environment: flags.env },
            { name: flags.name, deliveryMode: flags.delivery, notifyUrl: flags.notifyUrl ?? null },
            {
              store: storage.oauthClients,
              urlGuard: createWebhookUrlGuard({ dev: flags.dev === true }),
              now,
            },
          );
          if (flags.json) {
            console.log(
              JSON.stringify({
                clientId: issued.record.id,
                clientSecret: issued.secret,
                env: flags.env,
                tenant: tenant.name,
                delivery: issued.record.deliveryMode,
              }),
            );
            return;
          }
          console.log(
            `Created ${flags.env} ${issued.record.deliveryMode} client ${issued.record.id} ("${issued.record.name}") for tenant "${tenant.name}".`,
          );
          console.log(
            `\n  client_id      ${issued.record.id}\n  client_secret  ${issued.secret}\n`,
          );
          console.log('Store the secret now: it is shown only once (KEYRA keeps only its hash).');
        });
      },
    );

  clients
    .command('list')
    .description("List a tenant's OAuth clients (secrets are never stored).")
    .option('--tenant <name>', 'tenant name', DEFAULT_TENANT)
    .addOption(envOption())
    .option('--database <url>', DATABASE_OPTION_HELP)
    .option('--json', 'print a JSON array')
    .action(
      async (flags: { env?: Environment; tenant: string; database?: string; json?: boolean }) => {
        await withStorage(flags.database, async (storage) => {
          const tenant = await storage.tenants.findByName(flags.tenant);
          if (!tenant)
            throw new CliError(
              `No tenant named "${flags.tenant}". Create a client for it with: keyra clients create --tenant ${flags.tenant} --env sandbox --name NAME`,
            );
          const rows = (await storage.oauthClients.listForTenant(tenant.id, flags.env)).map(
            (client) => clientJson(client, tenant.name),
          );
          if (flags.json) {
            console.log(JSON.stringify(rows));
            return;
          }
          if (rows.length === 0) console.log(`Tenant "${tenant.name}" has no OAuth clients.`);
          for (const row of rows)
            console.log(
              `${row.clientId}  ${String(row.env).padEnd(10)}  ${String(row.delivery).padEnd(4)}  ${String(row.state).padEnd(7)}  ${JSON.stringify(row.name)}  created ${row.createdAt}`,
            );
        });
      },
    );

  clients
    .command('revoke')
    .description('Revoke a client now: its requests fail with invalid_client from then on.')
    .argument('<clientId>', 'id of the client to revoke (cli_…)')
    .option('--database <url>', DATABASE_OPTION_HELP)
    .option('--json', 'print {"clientId","revoked":true} as JSON')
    .action(async (clientId: string, flags: { database?: string; json?: boolean }) => {
      await withStorage(flags.database, async (storage) => {
        if (!(await storage.oauthClients.revoke(clientId, systemClock.now()))) {
          const exists = await storage.oauthClients.locate(clientId);
          throw new CliError(
            exists
              ? `Client ${clientId} was already revoked.`
              : `No client ${clientId}. List clients with: keyra clients list`,
          );
        }
        console.log(
          flags.json ? JSON.stringify({ clientId, revoked: true }) : `Revoked ${clientId}.`,
        );
      });
    });
}
