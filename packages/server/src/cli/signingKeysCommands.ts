import path from 'node:path';
import type { Command } from 'commander';
import { createSecretBox, formatTimestamp } from '@keyra/core';
import { rotateSigningKey } from '../approval/createProofSigner.js';
import { loadServerSecret } from '../loadServerSecret.js';
import { DATABASE_OPTION_HELP, resolveDatabaseUrl } from './databaseOption.js';

/** `keyra signing-keys list|rotate`: the server keys that sign proofs (published at /.well-known/jwks.json). */
export function registerSigningKeysCommands(program: Command): void {
  const keys = program
    .command('signing-keys')
    .description(
      'List or rotate the keys that sign proofs (retired keys stay published for verification).',
    );

  const open = async (database: string | undefined) => {
    const url = resolveDatabaseUrl(database);
    const { migrateToLatest, openStorage } = await import('@keyra/storage');
    await migrateToLatest(url);
    return openStorage(url);
  };

  keys
    .command('list')
    .description('List signing keys, newest first.')
    .option('--database <url>', DATABASE_OPTION_HELP)
    .option('--json', 'print a JSON array')
    .action(async (flags: { database?: string; json?: boolean }) => {
      const storage = await open(flags.database);
      try {
        const rows = (await storage.signingKeys.listAll()).map((key) => ({
          kid: key.kid,
          algorithm: key.algorithm,
          state: key.retiredAt === null ? 'active' : 'retired',
          createdAt: formatTimestamp(key.createdAt),
          retiredAt: key.retiredAt === null ? null : formatTimestamp(key.retiredAt),
        }));
        if (flags.json) console.log(JSON.stringify(rows));
        else if (rows.length === 0)
          console.log('No signing keys yet: the server creates one on first start.');
        else
          for (const row of rows)
            console.log(
              `${row.kid}  ${row.algorithm}  ${row.state.padEnd(7)}  created ${row.createdAt}`,
            );
      } finally {
        await storage.close();
      }
    });

  keys
    .command('rotate')
    .description(
      'Create a new signing key and retire the others. Running servers pick it up within 30 s.',
    )
    .option('--database <url>', DATABASE_OPTION_HELP)
    .option(
      '--data-dir <dir>',
      'directory holding server-secret (env KEYRA_DATA_DIR; default .keyra); KEYRA_SECRET wins',
    )
    .option('--json', 'print {"kid", "createdAt"} as JSON')
    .action(async (flags: { database?: string; dataDir?: string; json?: boolean }) => {
      const dataDir = path.resolve(flags.dataDir ?? process.env.KEYRA_DATA_DIR ?? '.keyra');
      const secret = await loadServerSecret(dataDir);
      const storage = await open(flags.database);
      try {
        const key = await rotateSigningKey(
          storage.signingKeys,
          createSecretBox(secret.value, 'signing-keys'),
          Date.now(),
        );
        const out = { kid: key.kid, createdAt: formatTimestamp(key.createdAt) };
        console.log(
          flags.json
            ? JSON.stringify(out)
            : `New signing key ${out.kid}; older keys are retired but still published.`,
        );
      } finally {
        await storage.close();
      }
    });
}
