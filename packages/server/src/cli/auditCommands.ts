import { CommanderError, type Command } from 'commander';
import { checkAuditTrail, type AuditTrailReport, type Tenant } from '@keyra/core';
import { CliError, CliExit } from './cliError.js';
import { DATABASE_OPTION_HELP, withStorage } from './databaseOption.js';

/** One line per tenant: intact, or the first broken entry and what is wrong with it. */
function describe(report: AuditTrailReport, name: string): string {
  const counts = `${report.entries} entries, ${report.checkpoints} checkpoints`;
  if (!report.broken)
    return `ok      ${name} (${report.tenantId}): ${counts}, head seq ${report.head.seq}.`;
  const { seq, id, problem, message } = report.broken;
  return `BROKEN  ${name} (${report.tenantId}): entry ${seq}${id ? ` (${id})` : ''}: ${problem}: ${message}`;
}

/** `keyra audit verify`: checks the audit chains directly in the database. */
export function registerAuditCommands(program: Command): void {
  const audit = program
    .command('audit')
    .description('Tamper-evident audit log: check its hash chains and signed checkpoints.');

  audit
    .command('verify')
    .description(
      'Check every tenant’s (or one tenant’s) audit chain in the database: hashes, links, seq 1..N without gaps, the recorded head and each checkpoint’s signature and hash. Exit 0 when intact, 1 naming the first broken entry, 2 on a usage error.',
    )
    .option('--database <url>', DATABASE_OPTION_HELP)
    .option('--tenant <name>', 'only this tenant (by name)')
    .option(
      '--json',
      'print {"intact", "tenants": [{tenant, tenantId, intact, entries, checkpoints, head, broken}]}',
    )
    // Usage errors exit 2, so scripts tell them from a broken chain (exit 1).
    .exitOverride((error) => {
      throw error.exitCode === 0 ? error : new CommanderError(2, error.code, error.message);
    })
    .action(async (flags: { database?: string; tenant?: string; json?: boolean }) => {
      const reports = await withStorage(flags.database, async (storage) => {
        let tenants: Tenant[];
        if (flags.tenant !== undefined) {
          const tenant = await storage.tenants.findByName(flags.tenant);
          if (!tenant) throw new CliError(`No tenant named "${flags.tenant}".`);
          tenants = [tenant];
        } else {
          const all = await storage.tenants.list();
          const chained = new Set(await storage.audit.tenantsWithChains());
          tenants = all.filter((tenant) => chained.has(tenant.id));
        }
        const out: { name: string; report: AuditTrailReport }[] = [];
        for (const tenant of tenants)
          out.push({ name: tenant.name, report: await checkAuditTrail(tenant.id, storage) });
        return out;
      }).catch((error: unknown) => {
        if (error instanceof CliError) throw error;
        // Not a verdict on the chain: exit 2, so a script never reads it as "broken".
        throw new CliError(
          `Could not check the audit log: ${error instanceof Error ? error.message : String(error)}`,
        );
      });
      const intact = reports.every(({ report }) => report.intact);
      if (flags.json) {
        console.log(
          JSON.stringify({
            intact,
            tenants: reports.map(({ name, report }) => ({ tenant: name, ...report })),
          }),
        );
      } else {
        if (reports.length === 0) console.log('No audit entries yet.');
        for (const { name, report } of reports) console.log(describe(report, name));
      }
      if (!intact) throw new CliExit(1);
    });
}
