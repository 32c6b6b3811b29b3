import { Argument, Option, type Command } from 'commander';
import {
  buildUsageReport,
  defaultUsageRange,
  ENVIRONMENTS,
  isKeyraError,
  PLANS,
  systemClock,
  utcDay,
  type Environment,
  type Plan,
  type Storage,
  type Tenant,
  type UsageReportData,
} from '@keyra/core';
import { DEFAULT_TENANT } from '../bootstrap.js';
import { CliError } from './cliError.js';
import { DATABASE_OPTION_HELP, withStorage } from './databaseOption.js';

async function findTenant(storage: Storage, name: string): Promise<Tenant> {
  const tenant = await storage.tenants.findByName(name);
  if (!tenant) {
    const known = (await storage.tenants.list()).map((t) => t.name);
    throw new CliError(
      `No tenant named "${name}".${known.length ? ` Tenants: ${known.join(', ')}.` : ''} Create one with: keyra keys create --tenant ${name} --env sandbox`,
    );
  }
  return tenant;
}

function printReport(report: UsageReportData): void {
  const columns = ['date', 'total', 'credit', 'overage', 'device', 'passkey', 'voice'];
  const row = (cells: (string | number)[]): string =>
    cells.map((cell, i) => (i === 0 ? String(cell).padEnd(10) : String(cell).padStart(8))).join('');
  console.log(`\n${report.environment}  ${report.from} .. ${report.to}`);
  console.log(`  ${row(columns)}`);
  const used = report.days.filter((day) => day.verifications > 0);
  for (const day of used) {
    console.log(
      `  ${row([day.date, day.verifications, day.credit, day.overage, day.byMethod.device, day.byMethod.passkey, day.byMethod.voice])}`,
    );
  }
  const t = report.totals;
  console.log(
    `  ${row(['total', t.verifications, t.credit, t.overage, t.byMethod.device, t.byMethod.passkey, t.byMethod.voice])}`,
  );
  if (used.length < report.days.length)
    console.log('  (days without usage omitted; --json lists every day)');
}

export function registerUsageCommands(program: Command): void {
  program
    .command('usage')
    .description(
      "A tenant's metered verifications per UTC day, free credits left and overage (what GET /v1/usage answers).",
    )
    .option('--tenant <name>', 'tenant name', DEFAULT_TENANT)
    .addOption(
      new Option('--env <env>', 'one environment (default: both)').choices([...ENVIRONMENTS]),
    )
    .option('--from <day>', "first UTC day, YYYY-MM-DD (default: the first of --to's month)")
    .option('--to <day>', 'last UTC day, YYYY-MM-DD (default: today)')
    .option('--database <url>', DATABASE_OPTION_HELP)
    .option('--json', 'print the reports as a JSON array')
    .action(
      async (flags: {
        tenant: string;
        env?: Environment;
        from?: string;
        to?: string;
        database?: string;
        json?: boolean;
      }) => {
        await withStorage(flags.database, async (storage) => {
          const tenant = await findTenant(storage, flags.tenant);
          const { from, to } = defaultUsageRange(utcDay(systemClock.now()), flags.from, flags.to);
          let reports: UsageReportData[];
          try {
            reports = await Promise.all(
              (flags.env ? [flags.env] : ENVIRONMENTS).map((environment) =>
                buildUsageReport(storage, { tenantId: tenant.id, environment }, from, to),
              ),
            );
          } catch (error) {
            if (isKeyraError(error))
              throw new CliError(`${error.message} Use --from/--to YYYY-MM-DD.`);
            throw error;
          }
          if (flags.json) {
            console.log(JSON.stringify(reports));
            return;
          }
          const [first] = reports;
          if (!first) return;
          console.log(
            `Tenant "${tenant.name}" on the ${first.plan} plan: ${first.credits.used} of ${first.credits.granted} free proofs used, ${first.credits.remaining} left; ${first.overage} overage (all time, both environments).`,
          );
          reports.forEach(printReport);
        });
      },
    );

  const tenants = program.command('tenants').description('List tenants and set their plans.');
  tenants
    .command('list')
    .description('Every tenant with its plan and free credits.')
    .option('--database <url>', DATABASE_OPTION_HELP)
    .option('--json', 'print a JSON array')
    .action(async (flags: { database?: string; json?: boolean }) => {
      await withStorage(flags.database, async (storage) => {
        const rows = await Promise.all(
          (await storage.tenants.list()).map(async (tenant) => {
            const metered = await storage.usage.meteredCount(tenant.id);
            return {
              id: tenant.id,
              name: tenant.name,
              plan: tenant.plan,
              freeCredits: tenant.freeCredits,
              creditsRemaining: Math.max(0, tenant.freeCredits - metered),
              verifications: metered,
            };
          }),
        );
        if (flags.json) {
          console.log(JSON.stringify(rows));
          return;
        }
        if (rows.length === 0)
          console.log('No tenants yet: `keyra serve` creates the sandbox one.');
        for (const row of rows) {
          console.log(
            `${row.id}  ${row.name.padEnd(16)}  ${row.plan.padEnd(10)}  ${row.creditsRemaining} of ${row.freeCredits} free proofs left  ${row.verifications} verifications`,
          );
        }
      });
    });
  tenants
    .command('plan')
    .description(
      "Set a tenant's plan: pilot, production or scale (production and scale mirror stamps on chain when a chain is configured).",
    )
    .argument('<tenant>', 'tenant name')
    .addArgument(new Argument('<plan>', 'the new plan').choices([...PLANS]))
    .option('--database <url>', DATABASE_OPTION_HELP)
    .option('--json', 'print the tenant as JSON')
    .action(async (name: string, plan: Plan, flags: { database?: string; json?: boolean }) => {
      await withStorage(flags.database, async (storage) => {
        const tenant = await findTenant(storage, name);
        const updated = await storage.tenants.setPlan(tenant.id, plan);
        if (flags.json) console.log(JSON.stringify({ id: tenant.id, name, plan: updated?.plan }));
        else console.log(`Tenant "${name}" is now on the ${plan} plan (was ${tenant.plan}).`);
      });
    });
}
