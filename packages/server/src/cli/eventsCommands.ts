import type { Command } from 'commander';
import { API_ENV_HELP, apiClient, callApi } from './apiClient.js';
import { CliError } from './cliError.js';

function limitOf(value: string): number {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new CliError(`--limit must be a whole number from 1 to 100; got ${value}.`);
  }
  return limit;
}

/** `keyra events list` and `keyra webhooks list`: what was emitted, and where it goes. */
export function registerEventsCommands(program: Command): void {
  program
    .command('events')
    .description('The events webhooks deliver, through the API of a running server.')
    .command('list')
    .description('List events, newest first.')
    .option('--type <type>', 'only this event type, e.g. challenge.approved')
    .option('--limit <n>', 'how many (1–100)', '20')
    .option('--cursor <cursor>', 'nextCursor of the previous page')
    .option('--json', 'print {data, hasMore, nextCursor} as JSON')
    .addHelpText('after', API_ENV_HELP)
    .action(async (flags: { type?: string; limit: string; cursor?: string; json?: boolean }) => {
      const limit = limitOf(flags.limit);
      const keyra = apiClient();
      const page = await callApi(() =>
        keyra.events.list({
          limit,
          ...(flags.type ? { type: flags.type } : {}),
          ...(flags.cursor ? { cursor: flags.cursor } : {}),
        }),
      );
      if (flags.json) return console.log(JSON.stringify(page));
      if (page.data.length === 0) return console.log('No events.');
      for (const event of page.data) {
        const at = new Date(event.created * 1000).toISOString().replace('.000Z', 'Z');
        console.log(`${event.id}  ${at}  ${event.type.padEnd(26)}  ${JSON.stringify(event.data)}`);
      }
      if (page.hasMore) console.log(`More: keyra events list --cursor ${page.nextCursor}`);
    });

  program
    .command('webhooks')
    .description('Webhook endpoints, through the API of a running server.')
    .command('list')
    .description('List webhook endpoints (secrets are never shown here).')
    .option('--json', 'print {data} as JSON')
    .addHelpText('after', API_ENV_HELP)
    .action(async (flags: { json?: boolean }) => {
      const keyra = apiClient();
      const list = await callApi(() => keyra.webhookEndpoints.list());
      if (flags.json) return console.log(JSON.stringify(list));
      if (list.data.length === 0) {
        return console.log('No webhook endpoints. Create one with POST /v1/webhook_endpoints.');
      }
      for (const endpoint of list.data) {
        const state = endpoint.enabled
          ? 'enabled'
          : `disabled${endpoint.disabledReason ? ` (${endpoint.disabledReason})` : ''}`;
        console.log(
          `${endpoint.id}  ${state.padEnd(9)}  ${endpoint.url}  [${endpoint.events.join(', ')}]`,
        );
      }
    });
}
