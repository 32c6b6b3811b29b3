import { Option, type Command } from 'commander';
import type { Challenge, CreateChallengeParams } from '@keyra/sdk';
import { API_ENV_HELP, apiClient, callApi } from './apiClient.js';
import { CliError } from './cliError.js';

const STATUSES = ['pending', 'approved', 'rejected', 'expired', 'canceled'] as const;

export function parsePayload(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CliError(
      `--payload must be a JSON object, e.g. '{"amount":12500}'; got ${text.slice(0, 60)}`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CliError('--payload must be a JSON object (not an array or a scalar).');
  }
  return value as Record<string, unknown>;
}

function parseMetadata(pairs: string[] | undefined): Record<string, string> | undefined {
  if (!pairs || pairs.length === 0) return undefined;
  const metadata: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new CliError(`--metadata takes KEY=VALUE; got ${JSON.stringify(pair)}.`);
    metadata[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return metadata;
}

export function positiveInteger(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw new CliError(`${name} must be a positive whole number; got ${value}.`);
  return number;
}

/** Who must approve: the user, or `2 of usr_a, usr_b, usr_c` for a quorum challenge. */
function addressee(challenge: Challenge): string {
  return challenge.approvers
    ? `${challenge.quorum ?? '?'} of ${challenge.approvers.join(', ')}`
    : String(challenge.userId);
}

function printChallenge(challenge: Challenge): void {
  console.log(`${challenge.id}  ${challenge.status}`);
  console.log(`  action     ${challenge.action}`);
  console.log(`  ${challenge.approvers ? 'approvers' : 'user     '}  ${addressee(challenge)}`);
  if (challenge.approvals)
    console.log(
      `  approvals  ${challenge.approvals.map((a) => a.userId).join(', ') || '—'} (${challenge.remaining ?? 0} more needed)`,
    );
  console.log(`  payload    ${JSON.stringify(challenge.payload)}`);
  console.log(`  created    ${challenge.createdAt}   expires ${challenge.expiresAt}`);
  if (challenge.decidedAt)
    console.log(
      `  decided    ${challenge.decidedAt} (${challenge.method ?? '—'} ${challenge.deviceId ?? ''})`,
    );
  console.log(`  audience   ${challenge.audience}`);
  if (Object.keys(challenge.metadata).length > 0)
    console.log(`  metadata   ${JSON.stringify(challenge.metadata)}`);
  if (challenge.proof) console.log(`  proof      ${challenge.proof}`);
}

/** `keyra challenges create|get|cancel|list`: the challenges API from the command line (an API key, not the database). */
export function registerChallengesCommands(program: Command): void {
  const challenges = program
    .command('challenges')
    .description('Create, inspect and list challenges through the API of a running server.');

  challenges
    .command('create')
    .description('Create a challenge for a human to approve.')
    .requiredOption('--action <name>', 'what the human approves, e.g. transfer.approve')
    .requiredOption('--user-id <id>', 'who must approve')
    .option('--payload <json>', 'the exact data shown and signed, a JSON object', '{}')
    .option('--expires-in <seconds>', 'seconds until it expires (10–600, default 120)')
    .option('--stamp', 'issue a stamp when approved')
    .option('--audience <name>', "the proof's aud (default: the API key's audience)")
    .option('--metadata <key=value...>', 'your own labels, never shown to the human')
    .option('--idempotency-key <key>', 'retry-safe key (default: a new one per call)')
    .option('--json', 'print the created challenge as JSON')
    .addHelpText('after', API_ENV_HELP)
    .action(
      async (flags: {
        action: string;
        userId: string;
        payload: string;
        expiresIn?: string;
        stamp?: boolean;
        audience?: string;
        metadata?: string[];
        idempotencyKey?: string;
        json?: boolean;
      }) => {
        const expiresIn = positiveInteger('--expires-in', flags.expiresIn);
        const metadata = parseMetadata(flags.metadata);
        const params: CreateChallengeParams = {
          action: flags.action,
          userId: flags.userId,
          payload: parsePayload(flags.payload),
          ...(expiresIn !== undefined ? { expiresIn } : {}),
          ...(flags.stamp ? { stamp: true } : {}),
          ...(flags.audience !== undefined ? { audience: flags.audience } : {}),
          ...(metadata ? { metadata } : {}),
        };
        const keyra = apiClient();
        const created = await callApi(() =>
          keyra.challenges.create(
            params,
            flags.idempotencyKey ? { idempotencyKey: flags.idempotencyKey } : undefined,
          ),
        );
        if (flags.json) console.log(JSON.stringify(created));
        else console.log(`Created ${created.id} (pending until ${created.expiresAt}).`);
      },
    );

  challenges
    .command('get')
    .description('Show one challenge: status, payload, decision and proof.')
    .argument('<id>', 'challenge id, chl_…')
    .option('--json', 'print the challenge as JSON')
    .addHelpText('after', API_ENV_HELP)
    .action(async (id: string, flags: { json?: boolean }) => {
      const keyra = apiClient();
      const challenge = await callApi(() => keyra.challenges.retrieve(id));
      if (flags.json) console.log(JSON.stringify(challenge));
      else printChallenge(challenge);
    });

  challenges
    .command('cancel')
    .description('Cancel a pending challenge (the human can no longer approve it).')
    .argument('<id>', 'challenge id, chl_…')
    .option('--json', 'print the canceled challenge as JSON')
    .addHelpText('after', API_ENV_HELP)
    .action(async (id: string, flags: { json?: boolean }) => {
      const keyra = apiClient();
      const challenge = await callApi(() => keyra.challenges.cancel(id));
      if (flags.json) console.log(JSON.stringify(challenge));
      else console.log(`${challenge.id} is ${challenge.status}.`);
    });

  challenges
    .command('list')
    .description('List challenges, newest first.')
    .addOption(new Option('--status <status>', 'only this status').choices([...STATUSES]))
    .option('--user-id <id>', 'only this user')
    .option('--action <name>', 'only this action')
    .option('--limit <n>', 'how many (1–100)', '20')
    .option('--cursor <cursor>', 'nextCursor of the previous page')
    .option('--json', 'print {data, hasMore, nextCursor} as JSON')
    .addHelpText('after', API_ENV_HELP)
    .action(
      async (flags: {
        status?: (typeof STATUSES)[number];
        userId?: string;
        action?: string;
        limit: string;
        cursor?: string;
        json?: boolean;
      }) => {
        const limit = positiveInteger('--limit', flags.limit);
        const keyra = apiClient();
        const page = await callApi(() =>
          keyra.challenges.list({
            ...(flags.status ? { status: flags.status } : {}),
            ...(flags.userId ? { userId: flags.userId } : {}),
            ...(flags.action ? { action: flags.action } : {}),
            ...(limit !== undefined ? { limit } : {}),
            ...(flags.cursor ? { cursor: flags.cursor } : {}),
          }),
        );
        if (flags.json) return console.log(JSON.stringify(page));
        if (page.data.length === 0) return console.log('No challenges.');
        for (const c of page.data) {
          console.log(
            `${c.id}  ${c.status.padEnd(8)}  ${c.createdAt}  ${c.action}  ${addressee(c)}`,
          );
        }
        if (page.hasMore) console.log(`More: keyra challenges list --cursor ${page.nextCursor}`);
      },
    );
}
