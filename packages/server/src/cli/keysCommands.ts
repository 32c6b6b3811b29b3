import { Option, type Command } from 'commander';
import {
  apiKeyState,
  CHALLENGE_LIMITS,
  createApiKey,
  ensureTenant,
  formatTimestamp,
  rotateApiKey,
  revokeApiKey,
  systemClock,
  type ApiKeyRecord,
  type Environment,
} from '@keyra/core';
import { DEFAULT_TENANT } from '../bootstrap.js';
import { CliError } from './cliError.js';
import { DATABASE_OPTION_HELP, withStorage } from './databaseOption.js';

/** A fresh option each time: commander options are mutable (makeOptionMandatory). */
function envOption(): Option {
  return new Option('--env <env>', 'environment of the key').choices(['sandbox', 'production']);
}

function keyJson(key: ApiKeyRecord, tenant: string, now: number): Record<string, unknown> {
  return {
    id: key.id,
    prefix: key.displayPrefix,
    env: key.environment,
    tenant,
    state: apiKeyState(key, now),
    createdAt: formatTimestamp(key.createdAt),
    expiresAt: key.expiresAt === null ? null : formatTimestamp(key.expiresAt),
    revokedAt: key.revokedAt === null ? null : formatTimestamp(key.revokedAt),
    replacedBy: key.replacedBy,
    audience: key.audience,
  };
}

/** The audience rules of challenges (length, no control characters), for `--audience`. */
function parseAudience(value: string): string {
  if (
    value.length === 0 ||
    value.length > CHALLENGE_LIMITS.audienceMaxLength ||
    !new RegExp(CHALLENGE_LIMITS.audiencePattern, 'u').test(value)
  ) {
    throw new CliError(
      `--audience must be 1–${CHALLENGE_LIMITS.audienceMaxLength} characters without control characters.`,
    );
  }
  return value;
}

export function registerKeysCommands(program: Command): void {
  const keys = program.command('keys').description('Create, list, rotate and revoke API keys.');

  keys
    .command('create')
    .description(
      'Create a secret key (shown once) for a tenant and environment; creates the tenant if needed.',
    )
    .addOption(envOption().makeOptionMandatory())
    .option('--tenant <name>', 'tenant name', DEFAULT_TENANT)
    .option(
      '--audience <name>',
      "the relying party's name: the aud of proofs for this key's challenges (default: the tenant name)",
    )
    .option('--database <url>', DATABASE_OPTION_HELP)
    .option('--json', 'print {"id","key","env","tenant","audience"} as JSON')
    .action(
      async (flags: {
        env: Environment;
        tenant: string;
        audience?: string;
        database?: string;
        json?: boolean;
      }) => {
        await withStorage(flags.database, async (storage) => {
          const now = systemClock.now();
          const { tenant } = await ensureTenant(storage.tenants, flags.tenant, now);
          const issued = await createApiKey(storage, {
            tenantId: tenant.id,
            environment: flags.env,
            audience: parseAudience(flags.audience ?? tenant.name),
            now,
          });
          if (flags.json) {
            console.log(
              JSON.stringify({
                id: issued.record.id,
                key: issued.secret,
                env: flags.env,
                tenant: tenant.name,
                tenantId: tenant.id,
                audience: issued.record.audience,
              }),
            );
          } else {
            console.log(
              `Created ${flags.env} key ${issued.record.id} for tenant "${tenant.name}".`,
            );
            console.log(`\n  ${issued.secret}\n`);
            console.log('Store it now: it is shown only once (KEYRA keeps only its hash).');
          }
        });
      },
    );

  keys
    .command('list')
    .description("List a tenant's keys (prefixes and states only; secrets are never stored).")
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
              `No tenant named "${flags.tenant}". Create a key for it with: keyra keys create --tenant ${flags.tenant} --env sandbox`,
            );
          const now = systemClock.now();
          const rows = (await storage.apiKeys.listForTenant(tenant.id, flags.env)).map((key) =>
            keyJson(key, tenant.name, now),
          );
          if (flags.json) {
            console.log(JSON.stringify(rows));
            return;
          }
          if (rows.length === 0) console.log(`Tenant "${tenant.name}" has no keys.`);
          for (const row of rows) {
            console.log(
              `${row.id}  ${row.prefix}  ${String(row.env).padEnd(10)}  ${String(row.state).padEnd(8)}  created ${row.createdAt}${row.expiresAt ? `  expires ${row.expiresAt}` : ''}`,
            );
          }
        });
      },
    );

  keys
    .command('rotate')
    .description('Issue a replacement key; the old one keeps working for the grace period.')
    .argument('<keyId>', 'id of the key to rotate (key_…)')
    .option(
      '--grace <seconds>',
      'how long the old key stays valid (env KEYRA_KEY_ROTATION_GRACE_SECONDS; default 86400)',
    )
    .option('--database <url>', DATABASE_OPTION_HELP)
    .option('--json', 'print {"id","key","env","tenant","oldKeyId","oldKeyExpiresAt"} as JSON')
    .action(async (keyId: string, flags: { grace?: string; database?: string; json?: boolean }) => {
      const graceRaw = flags.grace ?? process.env.KEYRA_KEY_ROTATION_GRACE_SECONDS ?? '86400';
      const grace = Number(graceRaw);
      if (!Number.isInteger(grace) || grace < 0 || grace > 90 * 86_400) {
        throw new CliError(
          `--grace must be a whole number of seconds between 0 and ${90 * 86_400}; got ${JSON.stringify(graceRaw)}.`,
        );
      }
      await withStorage(flags.database, async (storage) => {
        const result = await rotateApiKey(storage, {
          keyId,
          now: systemClock.now(),
          graceMs: grace * 1000,
        });
        if (result.outcome === 'not_found')
          throw new CliError(`No key ${keyId}. List keys with: keyra keys list`);
        if (result.outcome === 'inactive')
          throw new CliError(
            `Key ${keyId} is revoked, expired or already rotated; rotate its replacement instead.`,
          );
        const tenant = await storage.tenants.findById(result.replacement.record.tenantId);
        const out = {
          id: result.replacement.record.id,
          key: result.replacement.secret,
          env: result.replacement.record.environment,
          tenant: tenant?.name ?? null,
          oldKeyId: keyId,
          oldKeyExpiresAt: formatTimestamp(result.oldKeyExpiresAt),
        };
        if (flags.json) {
          console.log(JSON.stringify(out));
        } else {
          console.log(`Rotated ${keyId}: it keeps working until ${out.oldKeyExpiresAt}.`);
          console.log(`New key ${out.id}:\n\n  ${out.key}\n\nStore it now: it is shown only once.`);
        }
      });
    });

  keys
    .command('revoke')
    .description(
      'Revoke a key immediately. Requests with it fail with invalid_api_key from now on.',
    )
    .argument('<keyId>', 'id of the key to revoke (key_…)')
    .option('--database <url>', DATABASE_OPTION_HELP)
    .option('--json', 'print {"id","revoked":true} as JSON')
    .action(async (keyId: string, flags: { database?: string; json?: boolean }) => {
      await withStorage(flags.database, async (storage) => {
        const revoked = await revokeApiKey(storage, { keyId, now: systemClock.now() });
        if (!revoked) {
          const exists = await storage.apiKeys.findById(keyId);
          throw new CliError(
            exists
              ? `Key ${keyId} was already revoked.`
              : `No key ${keyId}. List keys with: keyra keys list`,
          );
        }
        console.log(
          flags.json ? JSON.stringify({ id: keyId, revoked: true }) : `Revoked ${keyId}.`,
        );
      });
    });
}
