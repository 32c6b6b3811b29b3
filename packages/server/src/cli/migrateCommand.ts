import type { Command } from 'commander';
import { redactUrl } from '../config.js';
import { DATABASE_OPTION_HELP, resolveDatabaseUrl } from './databaseOption.js';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description(
      'Bring a database to the current schema (idempotent: safe to run on every deploy).',
    )
    .option('--database <url>', DATABASE_OPTION_HELP)
    .option('--json', 'print the result as JSON')
    .action(async (flags: { database?: string; json?: boolean }) => {
      const url = resolveDatabaseUrl(flags.database);
      const { migrateToLatest } = await import('@keyra/storage');
      const result = await migrateToLatest(url);
      if (flags.json) {
        console.log(
          JSON.stringify({
            database: redactUrl(url),
            applied: result.applied,
            current: result.current,
          }),
        );
      } else if (result.applied.length === 0) {
        console.log(`${redactUrl(url)} is up to date (${result.current ?? 'no migrations'}).`);
      } else {
        for (const name of result.applied) console.log(`applied ${name}`);
        console.log(`${redactUrl(url)} is now at ${result.current}.`);
      }
    });
}
