import { readFileSync } from 'node:fs';
import { CommanderError, type Command } from 'commander';
import type {
  CreatePolicyParams,
  EvaluatePoliciesParams,
  Policy,
  PolicyRequirement,
  UpdatePolicyParams,
} from '@keyra/sdk';
import { API_ENV_HELP, apiClient, callApi } from './apiClient.js';
import { CliError } from './cliError.js';
import { parsePayload, positiveInteger } from './challengesCommands.js';

const METHODS = ['device', 'passkey', 'voice'] as const;

interface RuleFlags {
  file?: string;
  name?: string;
  description?: string;
  priority?: string;
  action?: string;
  condition?: string[];
  methods?: string;
  quorum?: string;
  groups?: string;
  maxExpiresIn?: string;
  stamp?: boolean;
  json?: boolean;
}

/** Usage errors exit 2 (a missing argument, an unknown option), like every misuse. */
function exitTwo(command: Command): Command {
  return command.exitOverride((error) => {
    throw error.exitCode === 0 ? error : new CommanderError(2, error.code, error.message);
  });
}

/** The JSON object in `--file` (a policy, or the fields of a change). */
function readRuleFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`Cannot read --file ${path}: ${(error as Error).message}`);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // Reported below.
  }
  throw new CliError(
    `--file ${path} must hold a JSON object like {"name":…,"match":{"action":"wire.*","conditions":["payload.amount >= 10000"]},"require":{"quorum":2}}.`,
  );
}

function list(value: string | undefined): string[] | undefined {
  return value === undefined
    ? undefined
    : value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
}

/** The rule from `--file`, with each flag given replacing its field. */
function ruleFrom(flags: RuleFlags): Record<string, unknown> {
  const rule: Record<string, unknown> = flags.file ? readRuleFile(flags.file) : {};
  if (flags.name !== undefined) rule.name = flags.name;
  if (flags.description !== undefined) rule.description = flags.description;
  const priority = flags.priority === undefined ? undefined : Number(flags.priority);
  if (priority !== undefined) {
    if (!Number.isInteger(priority) || priority < 0)
      throw new CliError(`--priority must be a whole number >= 0; got ${flags.priority}.`);
    rule.priority = priority;
  }
  if (flags.action !== undefined || flags.condition !== undefined) {
    const match = (rule.match ?? {}) as Record<string, unknown>;
    rule.match = {
      ...match,
      ...(flags.action !== undefined ? { action: flags.action } : {}),
      ...(flags.condition !== undefined ? { conditions: flags.condition } : {}),
    };
  }
  const require: PolicyRequirement = { ...((rule.require ?? {}) as PolicyRequirement) };
  const methods = list(flags.methods);
  if (methods) {
    const bad = methods.find((m) => !(METHODS as readonly string[]).includes(m));
    if (bad !== undefined)
      throw new CliError(`--methods takes ${METHODS.join(', ')} (comma-separated); got ${bad}.`);
    require.methods = methods as PolicyRequirement['methods'];
  }
  const quorum = positiveInteger('--quorum', flags.quorum);
  if (quorum !== undefined) require.quorum = quorum;
  const groups = list(flags.groups);
  if (groups) require.groups = groups;
  const maxExpiresIn = positiveInteger('--max-expires-in', flags.maxExpiresIn);
  if (maxExpiresIn !== undefined) require.maxExpiresIn = maxExpiresIn;
  if (flags.stamp) require.stamp = true;
  if (Object.keys(require).length > 0 || rule.require !== undefined) rule.require = require;
  return rule;
}

function ruleOptions(command: Command): Command {
  return command
    .option('--file <path>', 'the rule as JSON (flags given replace its fields)')
    .option('--name <name>', 'what people call the rule')
    .option('--description <text>', 'free text for people')
    .option('--priority <n>', 'lower is tried first (default 100)')
    .option('--action <glob>', 'action glob, e.g. wire.* (* matches any run of characters)')
    .option(
      '--condition <text...>',
      'conditions that must all hold, e.g. "payload.amount >= 10000" "payload.currency in [EUR]"',
    )
    .option('--methods <list>', 'allowed methods: device,passkey,voice')
    .option('--quorum <n>', 'distinct approvers required')
    .option('--groups <list>', 'approver groups the approvers must come from: finance,treasury')
    .option('--max-expires-in <seconds>', 'refuse challenges living longer')
    .option('--stamp', 'ask for a stamp on approval')
    .option('--json', 'print the policy as JSON');
}

function printPolicy(policy: Policy): void {
  console.log(
    `${policy.id}  v${policy.version}  ${policy.name}${policy.deletedAt ? '  (deleted)' : ''}`,
  );
  console.log(`  priority   ${policy.priority}`);
  console.log(`  action     ${policy.match.action}`);
  for (const c of policy.match.conditions)
    console.log(
      `  condition  ${c.field} ${c.op}${c.value === undefined ? '' : ` ${JSON.stringify(c.value)}`}`,
    );
  console.log(`  requires   ${JSON.stringify(policy.require)}`);
  console.log(`  updated    ${policy.updatedAt}`);
}

/**
 * `keyra policies list|get|create|update|delete|evaluate` and `keyra policies groups …`: approval
 * policies through the API of a running server (an API key: its tenant and environment).
 */
export function registerPoliciesCommands(program: Command): void {
  const policies = program
    .command('policies')
    .description(
      'Approval policies: what challenges matching an action and payload require (see docs/policies.md).',
    );

  exitTwo(policies.command('list'))
    .description('List live policies (current versions), newest first.')
    .option('--limit <n>', 'how many (1–100)', '20')
    .option('--cursor <cursor>', 'nextCursor of the previous page')
    .option('--json', 'print {data, hasMore, nextCursor} as JSON')
    .addHelpText('after', API_ENV_HELP)
    .action(async (flags: { limit: string; cursor?: string; json?: boolean }) => {
      const limit = positiveInteger('--limit', flags.limit);
      const keyra = apiClient();
      const page = await callApi(() =>
        keyra.policies.list({
          ...(limit !== undefined ? { limit } : {}),
          ...(flags.cursor ? { cursor: flags.cursor } : {}),
        }),
      );
      if (flags.json) return console.log(JSON.stringify(page));
      if (page.data.length === 0) return console.log('No policies.');
      for (const p of page.data)
        console.log(`${p.id}  v${p.version}  priority ${p.priority}  ${p.match.action}  ${p.name}`);
      if (page.hasMore) console.log(`More: keyra policies list --cursor ${page.nextCursor}`);
    });

  exitTwo(policies.command('get'))
    .description('Show a policy: its current version, or --policy-version N.')
    .argument('<id>', 'policy id, pol_…')
    .option('--policy-version <n>', 'a past version (--version prints the CLI’s own)')
    .option('--json', 'print the policy as JSON')
    .addHelpText('after', API_ENV_HELP)
    .action(async (id: string, flags: { policyVersion?: string; json?: boolean }) => {
      const version = positiveInteger('--policy-version', flags.policyVersion);
      const keyra = apiClient();
      const policy = await callApi(() =>
        keyra.policies.retrieve(id, version !== undefined ? { version } : {}),
      );
      if (flags.json) console.log(JSON.stringify(policy));
      else printPolicy(policy);
    });

  ruleOptions(exitTwo(policies.command('create')))
    .description('Create a policy from --file and/or flags (name, action and a requirement).')
    .addHelpText('after', API_ENV_HELP)
    .action(async (flags: RuleFlags) => {
      const rule = ruleFrom(flags);
      if (rule.name === undefined || rule.match === undefined)
        throw new CliError('A policy needs a name and an action: --name and --action, or --file.');
      rule.require ??= {};
      const keyra = apiClient();
      const policy = await callApi(() => keyra.policies.create(rule as CreatePolicyParams));
      if (flags.json) console.log(JSON.stringify(policy));
      else console.log(`Created ${policy.id} (version 1): ${policy.name}.`);
    });

  ruleOptions(exitTwo(policies.command('update')))
    .description(
      'Change a policy (writes the next version); the fields given replace the current ones, match and require whole.',
    )
    .argument('<id>', 'policy id, pol_…')
    .addHelpText('after', API_ENV_HELP)
    .action(async (id: string, flags: RuleFlags) => {
      const change = ruleFrom(flags);
      if (Object.keys(change).length === 0)
        throw new CliError('Nothing to change: give --file or a flag such as --quorum.');
      const keyra = apiClient();
      const policy = await callApi(() => keyra.policies.update(id, change as UpdatePolicyParams));
      if (flags.json) console.log(JSON.stringify(policy));
      else console.log(`Updated ${policy.id}: now version ${policy.version}.`);
    });

  exitTwo(policies.command('delete'))
    .description('Delete a policy: it stops applying; its versions stay readable.')
    .argument('<id>', 'policy id, pol_…')
    .option('--json', 'print the deleted policy as JSON')
    .addHelpText('after', API_ENV_HELP)
    .action(async (id: string, flags: { json?: boolean }) => {
      const keyra = apiClient();
      const policy = await callApi(() => keyra.policies.del(id));
      if (flags.json) console.log(JSON.stringify(policy));
      else console.log(`Deleted ${policy.id} (last version ${policy.version}).`);
    });

  exitTwo(policies.command('evaluate'))
    .description('Dry run: which policy a challenge would fall under, and why. Writes nothing.')
    .requiredOption('--action <name>', 'the challenge action, e.g. wire.send')
    .option('--payload <json>', 'the challenge payload, a JSON object', '{}')
    .option('--user-id <id>', 'the one approver (runs the create-time checks)')
    .option('--approvers <list>', 'the approvers, comma-separated (with --quorum)')
    .option('--quorum <n>', 'how many approvers must approve')
    .option('--expires-in <seconds>', 'the challenge lifetime')
    .option('--json', 'print {policy, requirement, reasons, refusal} as JSON')
    .addHelpText('after', API_ENV_HELP)
    .action(
      async (flags: {
        action: string;
        payload: string;
        userId?: string;
        approvers?: string;
        quorum?: string;
        expiresIn?: string;
        json?: boolean;
      }) => {
        const quorum = positiveInteger('--quorum', flags.quorum);
        const expiresIn = positiveInteger('--expires-in', flags.expiresIn);
        const approvers = list(flags.approvers);
        const params: EvaluatePoliciesParams = {
          action: flags.action,
          payload: parsePayload(flags.payload),
          ...(flags.userId !== undefined ? { userId: flags.userId } : {}),
          ...(approvers ? { approvers } : {}),
          ...(quorum !== undefined ? { quorum } : {}),
          ...(expiresIn !== undefined ? { expiresIn } : {}),
        };
        const keyra = apiClient();
        const result = await callApi(() => keyra.policies.evaluate(params));
        if (flags.json) return console.log(JSON.stringify(result));
        console.log(
          result.policy
            ? `Applies: ${result.policy.name} (${result.policy.id} v${result.policy.version}), requires ${JSON.stringify(result.requirement)}`
            : 'No policy applies: nothing is required.',
        );
        for (const reason of result.reasons) console.log(`  ${reason}`);
        if (result.refusal)
          console.log(
            `A create would be refused: ${result.refusal.code}: ${result.refusal.message}`,
          );
      },
    );

  const groups = policies
    .command('groups')
    .description('Approver groups: named lists of user ids that policies require.');
  exitTwo(groups.command('list'))
    .description('List approver groups.')
    .option('--json', 'print {data} as JSON')
    .addHelpText('after', API_ENV_HELP)
    .action(async (flags: { json?: boolean }) => {
      const keyra = apiClient();
      const page = await callApi(() => keyra.approverGroups.list());
      if (flags.json) return console.log(JSON.stringify(page));
      if (page.data.length === 0) return console.log('No approver groups.');
      for (const g of page.data) console.log(`${g.name}  ${g.members.join(', ') || '—'}`);
    });
  exitTwo(groups.command('put'))
    .description('Create an approver group or replace its members.')
    .argument('<name>', 'group name: a-z, 0-9, _ and -')
    .requiredOption('--members <list>', 'user ids, comma-separated')
    .option('--json', 'print the group as JSON')
    .addHelpText('after', API_ENV_HELP)
    .action(async (name: string, flags: { members: string; json?: boolean }) => {
      const keyra = apiClient();
      const group = await callApi(() => keyra.approverGroups.put(name, list(flags.members) ?? []));
      if (flags.json) console.log(JSON.stringify(group));
      else console.log(`${group.name}: ${group.members.join(', ') || '—'}`);
    });
  exitTwo(groups.command('delete'))
    .description('Delete an approver group no live policy names.')
    .argument('<name>', 'group name')
    .addHelpText('after', API_ENV_HELP)
    .action(async (name: string) => {
      const keyra = apiClient();
      await callApi(() => keyra.approverGroups.del(name));
      console.log(`Deleted approver group ${name}.`);
    });
}
